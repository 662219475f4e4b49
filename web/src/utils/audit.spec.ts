import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import zhCN from '@/i18n/zh-CN'
import en from '@/i18n/en'
import { actionLabel, actionLabelKey, AUDIT_ACTIONS, auditQuery, detailLines } from './audit'

describe('audit action labels', () => {
  const i18n = createI18n({ legacy: false, locale: 'zh-CN', messages: { 'zh-CN': zhCN, en } })
  const t = (k: string) => i18n.global.t(k)
  const te = (k: string) => i18n.global.te(k)

  it('has a Chinese and an English label for every action offered', () => {
    for (const a of AUDIT_ACTIONS) {
      expect(te(actionLabelKey(a)), a).toBe(true)
      expect(i18n.global.te(actionLabelKey(a), 'en'), a).toBe(true)
    }
  })

  it('labels a known action and falls back to the raw code', () => {
    expect(actionLabel('auth.login', t, te)).toBe('登录')
    expect(actionLabel('auth.login_failed', t, te)).toBe('登录失败')
    expect(actionLabel('something.new', t, te)).toBe('something.new')
    // Not a key path at all: shown as it came.
    expect(actionLabel('<b>x</b>', t, te)).toBe('<b>x</b>')
  })
})

describe('auditQuery', () => {
  it('keeps the filled filters, trimmed', () => {
    expect(auditQuery({ actor: ' admin ', action: 'auth.login', object: '', days: ['2026-03-01', '2026-03-31'], area: '370211' })).toEqual({
      actor: 'admin',
      action: 'auth.login',
      from: '2026-03-01',
      to: '2026-03-31',
      area: '370211',
    })
    expect(auditQuery({ actor: '  ', action: '', object: ' user:7 ', days: null, area: '' })).toEqual({ object: 'user:7' })
  })
})

describe('detailLines', () => {
  it('shows an object as sorted key: value lines', () => {
    expect(detailLines({ ip: '10.0.0.1', count: 3, ok: true, from: { name: 'a' }, none: null })).toEqual([
      'count: 3',
      'from: {"name":"a"}',
      'ip: 10.0.0.1',
      'none: ',
      'ok: true',
    ])
  })

  it('keeps markup in a value as text', () => {
    expect(detailLines({ name: '<img src=x onerror=alert(1)>' })).toEqual(['name: <img src=x onerror=alert(1)>'])
  })

  it('shows nothing for no detail and a scalar or list as it is', () => {
    expect(detailLines(null)).toEqual([])
    expect(detailLines(undefined)).toEqual([])
    expect(detailLines({})).toEqual([])
    expect(detailLines('moved')).toEqual(['moved'])
    expect(detailLines([1, 2])).toEqual(['[1,2]'])
  })
})
