/**
 * sql.js, loaded once per process, and a small wrapper that keeps prepared statements: the
 * same few statements run for every event.
 */
import type { BindParams, Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';
import initSqlJs from 'sql.js/dist/sql-wasm-inline.js';

let sqlJs: Promise<SqlJsStatic> | undefined;

export function loadSqlJs(): Promise<SqlJsStatic> {
    sqlJs ??= initSqlJs();
    return sqlJs;
}

export type Row = Record<string, SqlValue>;

export class Sql {
    private readonly statements = new Map<string, Statement>();

    constructor(readonly db: Database) {
        // The database lives in memory and reaches disk only by export: SQLite's own rollback
        // journal and syncs would protect nothing.
        db.run('PRAGMA journal_mode = MEMORY');
        db.run('PRAGMA synchronous = OFF');
        db.run('PRAGMA locking_mode = EXCLUSIVE');
    }

    run(sql: string, params?: BindParams): void {
        this.statement(sql).run(params);
    }

    get(sql: string, params?: BindParams): Row | undefined {
        const statement = this.statement(sql);
        try {
            if (params !== undefined) statement.bind(params);
            return statement.step() ? statement.getAsObject() : undefined;
        } finally {
            statement.reset();
        }
    }

    all(sql: string, params?: BindParams): Row[] {
        const statement = this.statement(sql);
        const rows: Row[] = [];
        try {
            if (params !== undefined) statement.bind(params);
            while (statement.step()) rows.push(statement.getAsObject());
        } finally {
            statement.reset();
        }
        return rows;
    }

    /** Every row as an array of its columns: cheaper than objects for many rows. */
    rows(sql: string, params?: BindParams): SqlValue[][] {
        const statement = this.statement(sql);
        const rows: SqlValue[][] = [];
        try {
            if (params !== undefined) statement.bind(params);
            while (statement.step()) rows.push(statement.get());
        } finally {
            statement.reset();
        }
        return rows;
    }

    /** The first column of every row. */
    column(sql: string, params?: BindParams): SqlValue[] {
        const statement = this.statement(sql);
        const values: SqlValue[] = [];
        try {
            if (params !== undefined) statement.bind(params);
            while (statement.step()) values.push(statement.get()[0]);
        } finally {
            statement.reset();
        }
        return values;
    }

    transaction<T>(body: () => T): T {
        this.run('BEGIN');
        try {
            const result = body();
            this.run('COMMIT');
            return result;
        } catch (error) {
            this.run('ROLLBACK');
            throw error;
        }
    }

    close(): void {
        for (const statement of this.statements.values()) statement.free();
        this.statements.clear();
        this.db.close();
    }

    private statement(sql: string): Statement {
        let statement = this.statements.get(sql);
        if (!statement) {
            statement = this.db.prepare(sql);
            this.statements.set(sql, statement);
        }
        return statement;
    }
}
