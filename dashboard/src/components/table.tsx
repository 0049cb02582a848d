/** A dense data table: sortable headers (`data-testid="sort-<column>"`), sticky head, numeric columns right-aligned. */
import { Component, type ComponentChildren, type HTMLAttributes, type TdHTMLAttributes } from 'preact';
import type { SortState } from './sort.js';

export interface Column<T, C extends string = string> {
  id: C;
  label: ComponentChildren;
  /** Tooltip of the header. */
  title?: string;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
  /** Whether clicking the header sorts by this column (the caller sorts the rows). */
  sortable?: boolean;
  cell: (row: T) => ComponentChildren;
  /** Extra attributes of the cell (data-testid, data-value, class). */
  cellProps?: (row: T) => TdHTMLAttributes<HTMLTableCellElement> & Record<`data-${string}`, string | number | undefined>;
}

export interface TableProps<T, C extends string> {
  columns: Column<T, C>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** Attributes of each row (data-testid, data-* of the row). */
  rowProps?: (row: T) => HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string | number | undefined>;
  sort?: SortState<C>;
  onSort?: (column: C) => void;
  testId?: string;
  /** Shown in one full-width row when there are no rows. */
  empty?: ComponentChildren;
  caption?: ComponentChildren;
  class?: string;
  /** Scroll inside a box as tall as the window, so the header stays in view over hundreds of rows. */
  scroll?: boolean;
  /**
   * A text that changes whenever anything the row shows changes: rows with the same text as last time are not
   * re-rendered (a fleet update changes a few rows of hundreds). Without it every row renders every time.
   */
  rowSignature?: (row: T) => string;
}

/** Renders rows as given (sort them with `sortRows` first); headers of sortable columns call `onSort`. */
export function Table<T, C extends string>(props: TableProps<T, C>) {
  const { columns, rows, rowKey, rowProps, sort, onSort, testId, empty, caption } = props;
  return (
    <div class={props.scroll ? 'table-wrap table-scroll' : 'table-wrap'}>
      <table class={`data-table ${props.class ?? ''}`} data-testid={testId}>
        {caption !== undefined && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((column) => {
              const active = sort?.column === column.id;
              const ariaSort = active ? (sort.direction === 'asc' ? 'ascending' : 'descending') : undefined;
              const sortable = column.sortable !== false && onSort !== undefined;
              return (
                <th key={column.id} class={column.numeric ? 'num' : undefined} aria-sort={ariaSort} title={column.title} scope="col">
                  {sortable ? (
                    <button type="button" class={`sort ${active ? `sorted-${sort.direction}` : ''}`} data-testid={`sort-${column.id}`} onClick={() => onSort(column.id)}>
                      {column.label}
                      <span class="sort-arrow" aria-hidden="true">
                        {active ? (sort.direction === 'asc' ? '▲' : '▼') : '↕'}
                      </span>
                    </button>
                  ) : (
                    column.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && empty !== undefined ? (
            <tr class="empty-row">
              <td colSpan={columns.length}>{empty}</td>
            </tr>
          ) : (
            rows.map((row) => <Row key={rowKey(row)} row={row} columns={columns} rowProps={rowProps} signature={props.rowSignature?.(row)} />)
          )}
        </tbody>
      </table>
    </div>
  );
}

interface RowProps<T, C extends string> {
  row: T;
  columns: Column<T, C>[];
  rowProps: TableProps<T, C>['rowProps'];
  signature: string | undefined;
}

/** One row; skips rendering when its signature is unchanged. */
class Row<T, C extends string> extends Component<RowProps<T, C>> {
  override shouldComponentUpdate(next: RowProps<T, C>): boolean {
    return next.signature === undefined || next.signature !== this.props.signature;
  }

  override render() {
    const { row, columns, rowProps } = this.props;
    return (
      <tr {...(rowProps?.(row) ?? {})}>
        {columns.map((column) => {
          const extra = column.cellProps?.(row) ?? {};
          const className = [column.numeric ? 'num' : '', typeof extra.class === 'string' ? extra.class : ''].filter((c) => c !== '').join(' ');
          return (
            <td key={column.id} {...extra} class={className === '' ? undefined : className}>
              {column.cell(row)}
            </td>
          );
        })}
      </tr>
    );
  }
}
