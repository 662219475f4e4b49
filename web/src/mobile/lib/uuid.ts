// UUID v4 from crypto.getRandomValues, which (unlike crypto.randomUUID) is
// also available on plain-HTTP intranet deployments.
export function newUuid(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const b = random(new Uint8Array(16))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * The Idempotency-Key of the report being drafted: created once per draft and
 * kept through every retry of that draft (failed validation, lost responses,
 * offline queueing); only a new draft gets a new key.
 */
export class DraftKey {
  private key: string

  constructor(private readonly generate: () => string = () => newUuid()) {
    this.key = generate()
  }

  get value(): string {
    return this.key
  }

  /** Starts a new draft (after the previous one was sent or queued). */
  renew(): string {
    this.key = this.generate()
    return this.key
  }
}
