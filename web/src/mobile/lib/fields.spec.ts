import { describe, expect, it } from 'vitest'
import type { CategoryField } from '../api/types'
import { emptyExtra, normalizeExtra, validateExtra } from './fields'

const f = (key: string, type: CategoryField['type'], required = false, options: string[] = []): CategoryField => ({
  key,
  label: key,
  label_en: key,
  type,
  required,
  options,
})

const FIELDS = [
  f('stall', 'text', true),
  f('count', 'number'),
  f('found_on', 'date', true),
  f('risk', 'single', true, ['低', '中', '高']),
  f('kinds', 'multi', false, ['消防', '燃气', '用电']),
]

describe('validateExtra', () => {
  it('accepts a complete, well-typed form', () => {
    expect(
      validateExtra(FIELDS, { stall: '水果摊', count: '3', found_on: '2026-02-28', risk: '高', kinds: ['消防', '用电'] }),
    ).toEqual({})
  })

  it('names each missing required field and ignores missing optional ones', () => {
    expect(validateExtra(FIELDS, emptyExtra(FIELDS))).toEqual({ stall: 'required', found_on: 'required', risk: 'required' })
    expect(validateExtra(FIELDS, { stall: '   ', found_on: '2026-01-01', risk: '低' })).toEqual({ stall: 'required' })
  })

  it('checks numbers, real calendar dates and options', () => {
    const base = { stall: 'x', found_on: '2026-01-01', risk: '低' }
    expect(validateExtra(FIELDS, { ...base, count: 'three' })).toEqual({ count: 'number' })
    expect(validateExtra(FIELDS, { ...base, count: '-2.5' })).toEqual({})
    expect(validateExtra(FIELDS, { ...base, found_on: '2026-02-30' })).toEqual({ found_on: 'date' })
    expect(validateExtra(FIELDS, { ...base, found_on: '2026/01/01' })).toEqual({ found_on: 'date' })
    expect(validateExtra(FIELDS, { ...base, found_on: '2028-02-29' })).toEqual({})
    expect(validateExtra(FIELDS, { ...base, risk: '极高' })).toEqual({ risk: 'option' })
    expect(validateExtra(FIELDS, { ...base, kinds: ['消防', '其他'] })).toEqual({ kinds: 'option' })
  })
})

describe('normalizeExtra', () => {
  it('types values, trims text and leaves out empty and unknown fields', () => {
    expect(
      normalizeExtra(FIELDS, { stall: ' 水果摊 ', count: '3', found_on: '2026-02-28', risk: '', kinds: ['消防'], other: 'x' }),
    ).toEqual({ stall: '水果摊', count: 3, found_on: '2026-02-28', kinds: ['消防'] })
  })

  it('starts multi fields as empty lists and the others as empty strings', () => {
    expect(emptyExtra(FIELDS)).toEqual({ stall: '', count: '', found_on: '', risk: '', kinds: [] })
  })
})
