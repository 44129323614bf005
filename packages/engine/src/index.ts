// Public surface of @a2d/engine (exports are added as modules land).
