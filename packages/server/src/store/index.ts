/**
 * Opens the configured store (`store` in the configuration) and brings its schema up to date.
 * @module
 */
import { join } from 'node:path'
import { durationSeconds } from '../config/duration.js'
import { configSchema, type ServiceConfigInput } from '../config/schema.js'
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
export async function openStore(settings: ServiceConfigInput['store'], dataDir: string): Promise<Store> {
  // Validated here too, with its defaults: embedders and tools call this with a store section of their own.
  const config = configSchema.shape.store.parse(settings)
  const store =
    config.type === 'sqlite'
      ? createSqliteStore({ path: config.path ?? join(dataDir, 'jotjwt.db'), synchronous: config.synchronous })
      : createPostgresStore({
          url: config.url,
          schema: config.schema,
          maxConnections: config.maxConnections,
          maxWaiting: config.maxWaiting,
          connectionTimeout: durationSeconds(config.connectionTimeout) * 1000,
          statementTimeout: durationSeconds(config.statementTimeout) * 1000,
          notifications: config.notifications,
        })
  try {
    await store.migrate()
  } catch (error) {
    await store.close().catch(() => undefined)
    throw error
  }
  return store
}
