import { describe, expect, it } from 'vitest'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import { HISTORY_FIELDS, historyFieldKey, historyValue } from './history'
import type { RegGroup } from './labels'

/** Looks a dotted key up in a message tree. */
function lookup(messages: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), messages)
}
const exists = (messages: unknown) => (key: string) => typeof lookup(messages, key) === 'string'

describe('history field labels', () => {
  it('has a Chinese and an English label for every field code the server writes', () => {
    for (const field of HISTORY_FIELDS) {
      const zh = historyFieldKey('person', field, exists(zhCN))
      const enKey = historyFieldKey('person', field, exists(en))
      expect(zh, field).not.toBeNull()
      expect(enKey, field).not.toBeNull()
      expect(lookup(zhCN, zh!) as string, field).toMatch(/[\u4e00-\u9fff]/)
      expect(lookup(en, enKey!) as string, field).not.toMatch(/[\u4e00-\u9fff]/)
    }
  })

  it('prefers the entity’s own wording', () => {
    expect(lookup(zhCN, historyFieldKey('person', 'name', exists(zhCN))!)).toBe('姓名')
    expect(lookup(zhCN, historyFieldKey('building', 'name', exists(zhCN))!)).toBe('名称')
    expect(lookup(zhCN, historyFieldKey('household', 'created', exists(zhCN))!)).toBe('建户')
    expect(lookup(zhCN, historyFieldKey('person', 'moved_in_on', exists(zhCN))!)).toBe('迁入日期')
  })

  it('falls back to the code for an unknown field', () => {
    expect(historyFieldKey('person', 'shoe_size', exists(zhCN))).toBeNull()
  })

  it('has the same label keys in both languages', () => {
    const keys = (m: unknown) => Object.keys(lookup(m, 'registry.fieldLabels') as object).sort()
    expect(keys(en)).toEqual(keys(zhCN))
  })
})

describe('historyValue', () => {
  const label = (group: RegGroup, code: string) => {
    const v = lookup(zhCN, `registry.${group}.${code}`)
    return typeof v === 'string' ? v : code
  }

  it('translates enum codes', () => {
    expect(historyValue('usage', 'rented', label)).toBe('出租')
    expect(historyValue('residence_type', 'new_citizen', label)).toBe('新市民')
    expect(historyValue('tenancy', 'with_relatives', label)).toBe('投亲靠友')
    expect(historyValue('id_type', 'resident_id', label)).toBe('居民身份证')
    expect(historyValue('relationship', 'spouse', label)).toBe('配偶')
  })

  it('translates the status in appeal rows', () => {
    expect(historyValue('appeal_status', '#12 resolved', label)).toBe('#12 已解决')
  })

  it('keeps other values, unknown codes and shows a dash for none', () => {
    expect(historyValue('phone', '138****5678', label)).toBe('138****5678')
    expect(historyValue('usage', 'warehouse', label)).toBe('warehouse')
    expect(historyValue('name', null, label)).toBe('—')
    expect(historyValue('name', '', label)).toBe('—')
  })
})
