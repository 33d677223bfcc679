/**
 * Opens the configured store (`store` in the configuration) and brings its schema up to date.
 * @module
 */
import { join } from 'node:path'
import type { ServiceConfig } from '../config/schema.js'
import { createPostgresStore } from './postgres.js'
import { createSqliteStore } from './sqlite.js'
import type { Store } from './store.js'

/**
 * The store the configuration names, migrated and ready: SQLite at `store.path` (default
 * `<dataDir>/jotjwt.db`) or PostgreSQL at `store.url`, in `store.schema`.
 *
 * @example
 * ```ts
 * const store = await openStore(config.store, config.dataDir)
 * ```
 * @throws {@link StoreUnavailable} when the database cannot be opened or reached (the store is closed again).
 */
export async function openStore(config: ServiceConfig['store'], dataDir: string): Promise<Store> {
  const store =
    config.type === 'sqlite'
      ? createSqliteStore({ path: config.path ?? join(dataDir, 'jotjwt.db') })
      : createPostgresStore({ url: config.url, schema: config.schema })
  try {
    await store.migrate()
  } catch (error) {
    await store.close().catch(() => undefined)
    throw error
  }
  return store
}
