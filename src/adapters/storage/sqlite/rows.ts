/**
 * Mapping between domain records (camelCase, optional fields absent) and rows (snake_case, NULL).
 * Arrays are stored as JSON text. One list of columns per table drives both directions and the
 * generated column lists of INSERT statements, so a field cannot be written but never read.
 */
export type ColumnType = 'text' | 'integer' | 'json';

export interface Column {
  readonly field: string;
  readonly name: string;
  readonly type: ColumnType;
}

export type Table = readonly Column[];
export type Row = Record<string, string | number | null>;

const snakeCase = (field: string): string => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

export function table(spec: Readonly<Record<string, ColumnType>>): Table {
  return Object.entries(spec).map(([field, type]) => ({ field, name: snakeCase(field), type }));
}

/** `a, b, c` — the column names, for INSERT statements. */
export const names = (columns: Table): string => columns.map((column) => column.name).join(', ');

/** `@a, @b, @c` — the named parameters `toRow` binds. */
export const params = (columns: Table): string => columns.map((column) => `@${column.name}`).join(', ');

/** `b = excluded.b, …` for every column except the key ones, for upserts. */
export const updates = (columns: Table, key: readonly string[]): string =>
  columns
    .filter((column) => !key.includes(column.name))
    .map((column) => `${column.name} = excluded.${column.name}`)
    .join(', ');

export function toRow(record: object, columns: Table): Row {
  const values = record as Readonly<Record<string, unknown>>;
  const row: Row = {};
  for (const column of columns) {
    const value = values[column.field];
    row[column.name] = value === undefined || value === null ? null : column.type === 'json' ? JSON.stringify(value) : (value as string | number);
  }
  return row;
}

/** The record a row holds; NULL columns become absent fields. The caller names the record type. */
export function fromRow<T>(row: unknown, columns: Table): T {
  const values = row as Readonly<Row>;
  const record: Record<string, unknown> = {};
  for (const column of columns) {
    const value = values[column.name];
    if (value === null || value === undefined) continue;
    record[column.field] = column.type === 'json' ? (JSON.parse(String(value)) as unknown) : value;
  }
  return record as T;
}
