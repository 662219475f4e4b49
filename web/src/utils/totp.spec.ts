import { describe, expect, it } from 'vitest'
import { groupSecret, recoveryCodesText } from './totp'

describe('groupSecret', () => {
  it('groups a secret by four', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP')
    expect(groupSecret('JBSWY3DPEHPK3PXPAB')).toBe('JBSW Y3DP EHPK 3PXP AB')
    expect(groupSecret(' JBSW Y3DP ')).toBe('JBSW Y3DP')
    expect(groupSecret('')).toBe('')
  })
})

describe('recoveryCodesText', () => {
  it('lists every code once, numbered, with the user and the day', () => {
    const text = recoveryCodesText(['abcde-fghij', 'klmno-pqrst'], 'secretary', new Date('2026-03-01T02:00:00Z'))
    expect(text).toContain(' 1. abcde-fghij\n')
    expect(text).toContain(' 2. klmno-pqrst\n')
    expect(text).toContain('secretary')
    expect(text).toContain('2026-03-01')
    expect(text.match(/abcde-fghij/g)).toHaveLength(1)
  })

  it('dates the file by the day in China', () => {
    expect(recoveryCodesText(['x'], 'u', new Date('2026-03-01T20:00:00Z'))).toContain('2026-03-02')
  })
})
