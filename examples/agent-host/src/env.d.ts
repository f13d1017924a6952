// The part of `import.meta.hot` (Vite's API, provided by hotswap's runner) this example uses.
interface ImportMeta {
  readonly hot?: {
    readonly data: Record<string, unknown>;
    dispose(callback: (data: Record<string, unknown>) => void | Promise<void>): void;
    prune(callback: (data: Record<string, unknown>) => void | Promise<void>): void;
  };
}
