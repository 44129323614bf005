// Public surface of @a2d/layers (exports are added as modules land).
export { BACKBONE_NAMES, createBackbone, isBackboneName } from './backbones/backbone';
export type { Backbone, BackboneName, BackboneOptions, BackboneOutput } from './backbones/backbone';
export { DropPath } from './backbones/drop-path';
export type { DropPathArgs } from './backbones/drop-path';
