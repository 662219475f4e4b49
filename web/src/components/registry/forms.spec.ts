import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import { FLOOR_AREA_RE, PHONE_RE, RESIDENT_ID_RE, changedFields, formProblem, splitProblem, today } from './forms'

describe('changedFields', () => {
  it('keeps only what changed, trimmed', () => {
    const before = { name: '张三', phone: '', ethnicity: '汉族', floors: 6, note: null }
    expect(changedFields(before, { name: ' 张三 ', ethnicity: '回族', floors: 6, note: '' })).toEqual({ ethnicity: '回族' })
    expect(changedFields(before, { floors: 7, note: '新' })).toEqual({ floors: 7, note: '新' })
  })

  it('sends "" to clear a value and skips undefined', () => {
    expect(changedFields({ origin: '临沂' }, { origin: '  ' })).toEqual({ origin: '' })
    expect(changedFields({ moved_in_on: '2024-01-02' }, { moved_in_on: undefined })).toEqual({})
  })

  it('treats a missing original string as empty', () => {
    expect(changedFields({}, { hukou_address: '' })).toEqual({})
    expect(changedFields({ moved_in_on: null }, { moved_in_on: '2025-05-01' })).toEqual({ moved_in_on: '2025-05-01' })
  })
})

describe('splitProblem', () => {
  const problem = {
    status: 422,
    title: 'Invalid input',
    detail: 'Some fields are invalid.',
    detail_zh: '部分字段不正确。',
    errors: [
      { field: 'id_number', rule: 'check_digit', detail: 'wrong check digit', detail_zh: '校验位错误' },
      { field: 'lat', rule: 'range', detail: 'lat out of range', detail_zh: '纬度超出范围' },
      { field: 'channel', rule: 'enum', detail: 'bad channel', detail_zh: '渠道不正确' },
    ],
  }

  it('places errors at the shown fields (with aliases) and gathers the rest', () => {
    const r = splitProblem(problem, 'zh-CN', ['id_number', 'lng'], { lat: 'lng' })
    expect(r.fields).toEqual({ id_number: '校验位错误', lng: '纬度超出范围' })
    expect(r.message).toBe('渠道不正确')
  })

  it('uses English in English', () => {
    expect(splitProblem(problem, 'en', ['id_number']).fields.id_number).toBe('wrong check digit')
  })

  it('falls back to the problem message when no field error applies', () => {
    const r = splitProblem({ status: 409, detail: 'already closed', detail_zh: '该户已注销' }, 'zh-CN', ['note'])
    expect(r).toEqual({ fields: {}, message: '该户已注销' })
  })

  it('leaves network and server errors to the global handler', () => {
    expect(formProblem(new ApiError(0, { code: 'network_error' }), 'zh-CN', [])).toBeNull()
    expect(formProblem(new ApiError(500, { title: 'x' }), 'zh-CN', [])).toBeNull()
    expect(formProblem(new Error('x'), 'zh-CN', [])).toBeNull()
    expect(formProblem(new ApiError(422, problem), 'zh-CN', ['id_number'])?.fields.id_number).toBe('校验位错误')
  })
})

describe('client-side rules', () => {
  it('accept what the server accepts', () => {
    for (const p of ['13812345678', '+8613812345678', '0532-88886666', '053288886666']) expect(PHONE_RE.test(p), p).toBe(true)
    for (const p of ['1381234567', '23812345678', 'abc']) expect(PHONE_RE.test(p), p).toBe(false)
    expect(RESIDENT_ID_RE.test('37130219960312345X')).toBe(true)
    expect(RESIDENT_ID_RE.test('3713021996031234')).toBe(false)
    expect(FLOOR_AREA_RE.test('89.5')).toBe(true)
    expect(FLOOR_AREA_RE.test('89.555')).toBe(false)
  })

  it('formats today', () => {
    expect(today(new Date(2026, 0, 5))).toBe('2026-01-05')
  })
})
