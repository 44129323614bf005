import type { TrainingState } from '../training-state';
import { CheckpointCallback } from './checkpoint-callback';
import { contextOf, recordOf } from '../testing/training-context';

function policy(every: number, keep: number) {
  const saves: { tags: string[]; epoch: number }[] = [];
  const prunes: number[] = [];
  const lines: string[] = [];
  const callback = new CheckpointCallback({
    save: async (tags, state: Readonly<TrainingState>) => void saves.push({ tags, epoch: state.epoch }),
    prune: async (keep) => void prunes.push(keep),
    every,
    keep,
    pathOf: (tag) => `/ckpt/${tag}`,
    trainVideos: 50,
    log: (line) => lines.push(line),
  });
  return { callback, saves, prunes, lines };
}

describe('CheckpointCallback', () => {
  it('saves last every epoch, epoch-<n> every `every` epochs and best when improved, then prunes to `keep`', async () => {
    const { callback, saves, prunes } = policy(2, 3);
    for (const [epoch, improved] of [[1, true], [2, false], [3, false], [4, true]] as const) {
      await callback.onEpochEnd(contextOf({ epoch }), { record: recordOf(epoch, 50), improved });
    }
    expect(saves).toEqual([
      { tags: ['last', 'best'], epoch: 1 },
      { tags: ['last', 'epoch-2'], epoch: 2 },
      { tags: ['last'], epoch: 3 },
      { tags: ['last', 'epoch-4', 'best'], epoch: 4 },
    ]);
    expect(prunes).toEqual([3, 3, 3, 3]);
  });

  it('saves a resumable last on an interruption, saying where, and nothing when the run ends normally', async () => {
    const { callback, saves, lines } = policy(1, 2);
    await callback.onRunEnd(contextOf({ epoch: 2, position: 24 }), { interrupted: false, during: null });
    expect(saves).toEqual([]);
    await callback.onRunEnd(contextOf({ epoch: 2, position: 24 }), { interrupted: true, during: 'training' });
    await callback.onRunEnd(contextOf({ epoch: 4 }), { interrupted: true, during: 'validation' });
    expect(saves.map((s) => s.tags)).toEqual([['last'], ['last']]);
    expect(lines).toEqual([
      'interrupted: saved a resumable checkpoint at epoch 3, 24/50 videos (/ckpt/last)',
      'interrupted during validation: saved a resumable checkpoint (/ckpt/last); resuming redoes the validation of epoch 5',
    ]);
  });
});
