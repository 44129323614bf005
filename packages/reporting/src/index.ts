/** reporting public surface. */
export {};
