/** @a2d/core: the shared vocabulary of every package. */
export * from './taxonomy';
export * from './errors';
export * from './rng';
export * from './atomic-write';
export * from './clip';
export * from './config/data';
export * from './config/augment';
export * from './config/engine';
export * from './config/loss';
export * from './config/model';
export * from './config/train';
export * from './config/root';
export * from './config/load';
export * from './closest-name';
export * from './command-line';
export * from './read-text-file';
