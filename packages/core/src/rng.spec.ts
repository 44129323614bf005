import { Rng } from './index';

describe('Rng', () => {
  it('is deterministic by seed and differs across seeds', () => {
    const a = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(7)));
    const b = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(7)));
    const c = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(8)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('forks independent streams without advancing the parent', () => {
    const parent = new Rng(1);
    const before = new Rng(1).next();
    const childA = parent.fork('a').next();
    expect(parent.next()).toBe(before);
    expect(new Rng(1).fork('a').next()).toBe(childA);
    expect(new Rng(1).fork('b').next()).not.toBe(childA);
  });

  it('draws roughly uniform, normal and beta values', () => {
    const rng = new Rng(3);
    const n = 20000;
    let sum = 0;
    let sumNormal = 0;
    let sumSq = 0;
    let sumBeta = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
      const z = rng.normal();
      sumNormal += z;
      sumSq += z * z;
      sumBeta += rng.beta(2, 6);
    }
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect(sumNormal / n).toBeCloseTo(0, 1);
    expect(sumSq / n).toBeCloseTo(1, 1);
    expect(sumBeta / n).toBeCloseTo(0.25, 1);
  });

  it('shuffles to a permutation and picks integers in range', () => {
    const rng = new Rng(5);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = rng.shuffle([...items]);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
    for (let i = 0; i < 1000; i++) {
      const v = rng.int(2, 4);
      expect([2, 3, 4]).toContain(v);
    }
  });
});

describe('Rng state', () => {
  it('continues exactly from a saved position, spare normal included', () => {
    const a = new Rng(7);
    a.next();
    a.normal();
    const saved = JSON.parse(JSON.stringify(a.getState()));
    const expected = [a.normal(), a.next(), a.normal()];
    const b = new Rng(99);
    b.setState(saved);
    expect([b.normal(), b.next(), b.normal()]).toEqual(expected);
    expect(() => b.setState({ state: 2 ** 33, spareNormal: null })).toThrow(/32-bit/);
  });
});
