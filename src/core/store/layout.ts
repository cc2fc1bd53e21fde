import {homedir} from 'node:os'
import {isAbsolute, join, relative, resolve, sep} from 'node:path'

/** The names berth itself uses at the top of the store, which no driver's directory may take. */
export const STORE_NAMES: ReadonlySet<string> = new Set(['certs', 'cache', 'machines', 'locks', 'orphans.json', 'store-id'])

/** Every name berth uses on disk, in one place. Paths stored in config files are relative to the store root. */
export class StoreLayout {
  readonly root: string

  constructor(root: string) {
    this.root = resolve(root)
  }

  /** The store named by --storage-path, else BERTH_STORAGE_PATH, else ~/.berth. */
  static resolve(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): StoreLayout {
    const chosen = flag ?? (env.BERTH_STORAGE_PATH || undefined) ?? join(homedir(), '.berth')
    return new StoreLayout(chosen)
  }

  /** The CA and the client certificate shared by every machine of this store. */
  get certsDir(): string {
    return join(this.root, 'certs')
  }

  /** Held while the CA or client certificate is created, so concurrent creates make exactly one. */
  get certsLock(): string {
    return join(this.certsDir, '.lock')
  }

  get caCert(): string {
    return join(this.certsDir, 'ca.pem')
  }

  get caKey(): string {
    return join(this.certsDir, 'ca-key.pem')
  }

  get clientCert(): string {
    return join(this.certsDir, 'cert.pem')
  }

  get clientKey(): string {
    return join(this.certsDir, 'key.pem')
  }

  /**
   * A CA another tool made, with its client certificate (ca.pem ca-key.pem cert.pem key.pem), kept for the machines
   * imported with it: Docker Machine's, named by its certificate's fingerprint.
   */
  importedCaDir(id: string): string {
    return join(this.certsDir, 'imported', id)
  }

  /** Downloaded images and their checksums. */
  get cacheDir(): string {
    return join(this.root, 'cache')
  }

  /** Cached VM images, one folder per source (see src/core/vm/image-cache.ts). */
  get imagesDir(): string {
    return join(this.cacheDir, 'images')
  }

  /**
   * A driver's files shared by all its machines (the virtualbox driver's host-only networks, say), named after the
   * driver. The registry refuses a driver whose name is one of the store's own (STORE_NAMES).
   */
  driverDir(driver: string): string {
    return join(this.root, driver)
  }

  /** Held around a driver's changes to what it shares across machines, by every berth process. */
  driverLock(driver: string): string {
    return join(this.driverDir(driver), '.lock')
  }

  /**
   * The store's identity, a random id written once and never changed: a docker context records it, so a store
   * deleted and made again at the same path is told from the one that made the context (see store-identity.ts).
   */
  get identity(): string {
    return join(this.root, 'store-id')
  }

  /** Cloud resources of forgotten machines that berth could not remove (see orphans.ts). */
  get orphans(): string {
    return join(this.root, 'orphans.json')
  }

  /** Held while orphans.json is read and rewritten. */
  get orphansLock(): string {
    return join(this.root, 'locks', 'orphans.lock')
  }

  get machinesDir(): string {
    return join(this.root, 'machines')
  }

  /**
   * Held by every command that changes the machine, for the whole change (create and rm included). It lies
   * outside the machine's directory: it is taken before create makes that directory and kept while rm deletes it.
   */
  machineLock(name: string): string {
    return join(this.root, 'locks', `${name}.lock`)
  }

  machine(name: string): MachineLayout {
    return new MachineLayout(join(this.machinesDir, name))
  }

  /** A path as written into config files: relative to the store root when it lies inside the store. */
  toStored(path: string): string {
    const rel = relative(this.root, path)
    // Outside means ".." as a whole first segment; a name like "..keys" inside the store is still inside.
    return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? path : rel
  }

  /** The inverse of toStored. */
  fromStored(path: string): string {
    return isAbsolute(path) ? path : join(this.root, path)
  }
}

/** The files of one machine: its config, its copies of the client TLS material (DOCKER_CERT_PATH), its server cert. */
export class MachineLayout {
  constructor(readonly dir: string) {}

  /** The machine's configuration (schema in schema.ts). */
  get config(): string {
    return join(this.dir, 'config.json')
  }

  /** Secrets given on the command line at create time, kept apart from config.json. */
  get credentials(): string {
    return join(this.dir, 'credentials.json')
  }

  /** Held for each write of this machine's config, so read-modify-write updates never lose each other's changes. */
  get lock(): string {
    return join(this.dir, '.lock')
  }

  get caCert(): string {
    return join(this.dir, 'ca.pem')
  }

  get clientCert(): string {
    return join(this.dir, 'cert.pem')
  }

  get clientKey(): string {
    return join(this.dir, 'key.pem')
  }

  /** The engine's certificate as berth issued it (or, for engines berth did not set up, as the engine presented it). */
  get serverCert(): string {
    return join(this.dir, 'server.pem')
  }

  /** What the last full check of the machine's certificates found, so env and config need not parse them again. */
  get certificateMemo(): string {
    return join(this.dir, '.certificate-check.json')
  }

  /** For an engine berth only registered: the certificate it presented when berth last reached it. */
  get engineCert(): string {
    return join(this.dir, 'engine-cert.pem')
  }

  get serverKey(): string {
    return join(this.dir, 'server-key.pem')
  }

  get sshKey(): string {
    return join(this.dir, 'id_ed25519')
  }

  get sshPublicKey(): string {
    return join(this.dir, 'id_ed25519.pub')
  }

  /** The host key pinned on first contact. */
  get knownHosts(): string {
    return join(this.dir, 'known_hosts')
  }
}
