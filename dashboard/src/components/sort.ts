/** Sorting shared by every table: stable, numeric-aware, empty values last in both directions. */

export type SortDirection = 'asc' | 'desc';
export type SortValue = number | string | null | undefined;

export interface SortState<C extends string = string> {
  column: C;
  direction: SortDirection;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Compares two cell values ascending; null/undefined/NaN sort after everything else. */
export function compareValues(a: SortValue, b: SortValue): number {
  const aEmpty = isEmpty(a);
  const bEmpty = isEmpty(b);
  if (aEmpty || bEmpty) return aEmpty === bEmpty ? 0 : aEmpty ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/** A sorted copy of rows by the value `valueOf` gives; ties keep their input order, empty values stay last. */
export function sortRows<T>(rows: readonly T[], valueOf: (row: T) => SortValue, direction: SortDirection, tieBreak?: (row: T) => SortValue): T[] {
  const keyed = rows.map((row, index) => ({ row, index, value: valueOf(row), tie: tieBreak?.(row) }));
  const sign = direction === 'asc' ? 1 : -1;
  keyed.sort((x, y) => {
    const xEmpty = isEmpty(x.value);
    const yEmpty = isEmpty(y.value);
    if (xEmpty !== yEmpty) return xEmpty ? 1 : -1;
    const primary = xEmpty ? 0 : sign * compareValues(x.value, y.value);
    if (primary !== 0) return primary;
    const tie = compareValues(x.tie, y.tie);
    return tie !== 0 ? tie : x.index - y.index;
  });
  return keyed.map((k) => k.row);
}

/** The sort after a click on a column header: the same column flips, a new one starts at its natural direction. */
export function nextSort<C extends string>(current: SortState<C>, column: C, initialDirection: SortDirection = 'asc'): SortState<C> {
  if (current.column === column) return { column, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  return { column, direction: initialDirection };
}

function isEmpty(value: SortValue): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}
