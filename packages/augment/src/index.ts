// Public surface of @a2d/augment (exports are added as modules land).
