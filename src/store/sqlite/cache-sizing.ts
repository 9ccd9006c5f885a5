import type { Database } from 'better-sqlite3'

const MIB = 1024 * 1024
/** better-sqlite3's build default (-16000 KiB; SQLite's own is 2 MB): never less. */
const MIN_CACHE_BYTES = 16000 * 1024
/**
 * The most the page cache may hold. At 1M keys the database is ~1.4 GB; its interior B-tree
 * pages (keys table and the id index, ~6 MB together) and a good share of the id index leaves
 * fit in 64 MiB, so a read or an insert touches the disk (the OS page cache) for a leaf at most.
 * The cache is process memory (RSS), and the RSS target of a gateway at 1M keys is 300 MiB.
 */
export const MAX_CACHE_BYTES = 64 * MIB

export interface CacheSizes {
  readonly cacheBytes: number
  readonly mmapBytes: number
}

/**
 * Sizes SQLite's page cache from the database: an eighth of the file, between the build's default
 * and the cap. Memory mapping stays off: every mapped page a read touches counts in the
 * process's RSS, so random reads over a 1.4 GB file grew RSS without bound; pread from the OS
 * page cache costs a copy of one 4 KiB page per miss and no resident memory.
 */
export function sizeCaches (db: Database): CacheSizes {
  const pageSize = db.pragma('page_size', { simple: true }) as number
  const pageCount = db.pragma('page_count', { simple: true }) as number
  const cacheBytes = Math.min(MAX_CACHE_BYTES, Math.max(MIN_CACHE_BYTES, Math.floor(pageSize * pageCount / 8)))
  // a negative cache_size is in KiB
  db.pragma(`cache_size = ${-Math.floor(cacheBytes / 1024)}`)
  db.pragma('mmap_size = 0')
  return { cacheBytes, mmapBytes: 0 }
}
