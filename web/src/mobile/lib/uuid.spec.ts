import { describe, expect, it } from 'vitest'
import { DraftKey, newUuid } from './uuid'

describe('newUuid', () => {
  it('makes RFC 4122 version 4 UUIDs', () => {
    const u = newUuid()
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(newUuid()).not.toBe(u)
  })

  it('sets the version and variant bits whatever the random bytes', () => {
    expect(newUuid((b) => b.fill(0xff))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff')
    expect(newUuid((b) => b.fill(0))).toBe('00000000-0000-4000-8000-000000000000')
  })
})

describe('DraftKey', () => {
  it('keeps one key through every retry of a draft and changes it only for a new draft', () => {
    let n = 0
    const k = new DraftKey(() => `key-${++n}`)
    const first = k.value
    expect(first).toBe('key-1')
    // validation error, network error, second tap: same key
    expect(k.value).toBe(first)
    expect(k.value).toBe(first)
    expect(k.renew()).toBe('key-2')
    expect(k.value).toBe('key-2')
  })
})
