import { formatPythonFloat } from './python-float';

describe('formatPythonFloat', () => {
  it("writes floats exactly as Python's repr (checked against CPython 3.11)", () => {
    const cases: [number, string][] = [
      [82, '82.0'],
      [746, '746.0'],
      [0.1, '0.1'],
      [0.7870967741935484, '0.7870967741935484'],
      [1e16, '1e+16'],
      [1.5e16, '1.5e+16'],
      [9999999999999998, '9999999999999998.0'],
      [1e-4, '0.0001'],
      [1e-5, '1e-05'],
      [0.00012345, '0.00012345'],
      [123456.789, '123456.789'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [-2.5, '-2.5'],
      [1 / 3, '0.3333333333333333'],
      [(2 / 3) * 100, '66.66666666666666'],
      [1e22, '1e+22'],
      [1.2345678901234567e19, '1.2345678901234567e+19'],
      [0, '0.0'],
      [-0, '-0.0'],
      [NaN, 'nan'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
    ];
    for (const [value, expected] of cases) expect([value, formatPythonFloat(value)]).toEqual([value, expected]);
  });
});
