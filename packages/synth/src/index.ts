// Public surface of @a2d/synth (exports are added as modules land).
