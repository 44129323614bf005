/** metrics public surface. */
export {};
