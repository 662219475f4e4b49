import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import type { RegImportJob, RegImportResult } from '@/api/types'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import {
  isRejected,
  jobOutcome,
  jobPercent,
  mergeJob,
  outcomeTag,
  pollDelay,
  problemRows,
  rejectionMessage,
  resultOutcome,
  uploadPercent,
} from './imports'

function result(over: Partial<RegImportResult> = {}): RegImportResult {
  return { mode: 'all_or_nothing', rows: 5, imported: 5, updated: 0, invalid: 0, stored: true, ...over }
}

function job(over: Partial<RegImportJob> = {}): RegImportJob {
  return {
    id: 'a1',
    file_name: 'ledger.csv',
    mode: 'all_or_nothing',
    state: 'running',
    rows: 0,
    bytes_read: 0,
    bytes_total: 1000,
    percent: null,
    created_at: '2026-11-30T06:00:00Z',
    finished_at: null,
    ...over,
  }
}

describe('outcomes', () => {
  it('tells a rejected all-or-nothing import from the rest', () => {
    const rej = result({ imported: 0, invalid: 2, stored: false })
    expect(isRejected(rej)).toBe(true)
    expect(resultOutcome(rej)).toBe('rejected')
    expect(isRejected(result({ mode: 'valid_rows', imported: 0, invalid: 5, stored: false }))).toBe(false)
    expect(resultOutcome(result({ mode: 'valid_rows', imported: 0, invalid: 5, stored: false }))).toBe('empty')
    expect(resultOutcome(result({ mode: 'valid_rows', imported: 3, invalid: 2 }))).toBe('partial')
    expect(resultOutcome(result())).toBe('stored')
    expect(resultOutcome(result({ rows: 0, imported: 0, stored: false }))).toBe('empty')
    expect(resultOutcome(result({ imported: 0, updated: 5, stored: false }))).toBe('stored')
  })

  it('maps job states', () => {
    expect(jobOutcome(job())).toBe('running')
    expect(jobOutcome(job({ state: 'failed', problem: { code: 'import_interrupted' } }))).toBe('failed')
    expect(jobOutcome(job({ state: 'done' }))).toBe('failed') // done without a result: nothing to show
    expect(jobOutcome(job({ state: 'done', result: result({ imported: 0, invalid: 1, stored: false }) }))).toBe('rejected')
    expect(outcomeTag('rejected')).toBe('danger')
    expect(outcomeTag('stored')).toBe('success')
    expect(outcomeTag('partial')).toBe('warning')
    expect(outcomeTag('running')).toBe('primary')
  })
})

describe('percentages', () => {
  it('follows the server while running, null when it cannot tell', () => {
    expect(jobPercent(job({ percent: 42 }))).toBe(42)
    expect(jobPercent(job({ percent: 0 }))).toBe(0)
    expect(jobPercent(job({ percent: null }))).toBeNull()
    expect(jobPercent(job({ percent: 140 }))).toBe(100)
    expect(jobPercent(job({ state: 'done', percent: null, result: result() }))).toBe(100)
    expect(jobPercent(job({ state: 'failed', percent: 30 }))).toBeNull()
  })

  it('measures the upload', () => {
    expect(uploadPercent(0, 0)).toBe(0)
    expect(uploadPercent(512, 1024)).toBe(50)
    expect(uploadPercent(1023, 1024)).toBe(99)
    expect(uploadPercent(2000, 1024)).toBe(100)
    expect(uploadPercent(NaN, 1024)).toBe(0)
  })
})

describe('pollDelay', () => {
  it('polls every 500 ms, slowing down only for a longer Retry-After', () => {
    expect(pollDelay(null)).toBe(500)
    expect(pollDelay('1')).toBe(500)
    expect(pollDelay(' 4 ')).toBe(2000)
    expect(pollDelay('120')).toBe(5000)
    expect(pollDelay('0')).toBe(500)
    expect(pollDelay('Wed, 21 Oct 2015 07:28:00 GMT')).toBe(500)
  })
})

describe('mergeJob', () => {
  it('replaces a job by id, or adds it on top within the limit', () => {
    const a = job({ id: 'a' })
    const b = job({ id: 'b' })
    const a2 = job({ id: 'a', rows: 500, percent: 40 })
    expect(mergeJob([b, a], a2)).toEqual([b, a2])
    const c = job({ id: 'c' })
    expect(mergeJob([b, a], c).map((j) => j.id)).toEqual(['c', 'b', 'a'])
    expect(mergeJob([b, a], c, 2).map((j) => j.id)).toEqual(['c', 'b'])
  })
})

describe('problemRows', () => {
  it('gives one row per broken rule, in the UI language', () => {
    const r = result({
      problems: [
        {
          line: 3,
          problems: [
            { column: '证件号码', rule: 'id_number', detail: 'Bad check digit.', detail_zh: '校验位错误' },
            { column: '姓名', rule: 'required', detail: 'Required.', detail_zh: '' },
          ],
        },
        { line: 5, problems: [{ column: '姓名', rule: 'required', detail: 'Required.', detail_zh: '必填' }] },
      ],
    })
    expect(problemRows(r, true)).toEqual([
      { line: 3, column: '证件号码', rule: 'id_number', detail: '校验位错误' },
      { line: 3, column: '姓名', rule: 'required', detail: 'Required.' },
      { line: 5, column: '姓名', rule: 'required', detail: '必填' },
    ])
    expect(problemRows(r, false)[0].detail).toBe('Bad check digit.')
    expect(problemRows(null, true)).toEqual([])
  })
})

describe('rejectionMessage', () => {
  it('composes the rejection from the counts in both languages', () => {
    const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN, en } })
    const t = (key: string, params: Record<string, unknown>) => i18n.global.t(key, params)
    const r = result({ rows: 5, imported: 0, invalid: 2, stored: false })
    expect(rejectionMessage(r, t)).toBe('共 5 行，其中 2 行有误，未导入任何数据（详见错误报告，或选择“仅导入有效行”）')
    i18n.global.locale.value = 'en'
    expect(rejectionMessage(r, t)).toBe('2 of 5 rows are invalid; nothing was imported (see the error report, or choose “Valid rows only”)')
  })
})
