// In-memory state that survives edits of this file: kept in import.meta.hot.data.
interface Visits {
  total: number;
}

const data = (import.meta.hot?.data ?? {}) as { visits?: Visits };
export const visits: Visits = (data.visits ??= { total: 0 });
