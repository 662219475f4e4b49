import { describe, expect, it } from 'vitest'
import { characterClasses, firstMissedRule, passwordChecks } from './password'

describe('password rules', () => {
  it('counts the character classes', () => {
    expect(characterClasses('aaaaaaaaaa')).toBe(1)
    expect(characterClasses('1234567890')).toBe(1)
    expect(characterClasses('abcDEF')).toBe(2)
    expect(characterClasses('abcDEF123')).toBe(3)
    expect(characterClasses('abcDEF123!')).toBe(4)
    expect(characterClasses('密码abc123')).toBe(3) // Chinese characters count as "other"
  })

  it('needs 12 characters, counted as characters not bytes', () => {
    expect(passwordChecks('Abcdefgh123', 'x').min_length).toBe(false)
    expect(passwordChecks('Abcdefgh1234', 'x').min_length).toBe(true)
    expect(passwordChecks('同心同心同心同心同心a1', 'x').min_length).toBe(true)
  })

  it('refuses a password containing the username, in any case', () => {
    expect(passwordChecks('Secretary-2026!', 'secretary').username).toBe(false)
    expect(passwordChecks('Tongxin-2026-ok', 'secretary').username).toBe(true)
    expect(passwordChecks('Anything', '').username).toBe(true)
  })

  it('names the first rule missed', () => {
    expect(firstMissedRule('1234567890', 'admin')).toBe('min_length')
    expect(firstMissedRule('aaaaaaaaaaaa', 'admin')).toBe('classes')
    expect(firstMissedRule('Admin-2026-abc', 'admin')).toBe('username')
    expect(firstMissedRule('Tongxin-2026-ok', 'admin')).toBeNull()
  })
})

describe('password rules, as the server counts', () => {
  it('does not look for a username shorter than 3 bytes', () => {
    expect(passwordChecks('Zhang-li-2026', 'li').username).toBe(true)
  })
})
