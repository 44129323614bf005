/** training public surface. */
export {};
