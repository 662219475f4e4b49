import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import { isSecondFactorAsked, normaliseCode, pendingStepFor, TOTP_CODE_RE } from './login'

describe('the login second step', () => {
  it('is asked for by a 401 totp_required or totp_invalid only', () => {
    expect(isSecondFactorAsked(new ApiError(401, { code: 'totp_required' }))).toBe(true)
    expect(isSecondFactorAsked(new ApiError(401, { code: 'totp_invalid' }))).toBe(true)
    expect(isSecondFactorAsked(new ApiError(401, { code: 'invalid_credentials' }))).toBe(false)
    expect(isSecondFactorAsked(new ApiError(403, { code: 'totp_required' }))).toBe(false)
    expect(isSecondFactorAsked(new Error('totp_required'))).toBe(false)
  })

  it('takes a code with spaces as typed from an app', () => {
    expect(normaliseCode(' 123 456 ')).toBe('123456')
    expect(TOTP_CODE_RE.test(normaliseCode('123 456'))).toBe(true)
    expect(TOTP_CODE_RE.test('12345')).toBe(false)
    expect(TOTP_CODE_RE.test('12345a')).toBe(false)
  })
})

describe('the pending step', () => {
  it('is the password first, then a required second factor not yet enabled', () => {
    expect(pendingStepFor(null)).toBeNull()
    expect(pendingStepFor({})).toBeNull()
    expect(pendingStepFor({ must_change_password: true, totp_required: true, totp_enabled: false })).toBe('password')
    expect(pendingStepFor({ must_change_password: false, totp_required: true, totp_enabled: false })).toBe('totp')
    expect(pendingStepFor({ totp_required: true, totp_enabled: true })).toBeNull()
    expect(pendingStepFor({ totp_required: false, totp_enabled: false })).toBeNull()
  })
})
