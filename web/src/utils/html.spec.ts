import { describe, expect, it } from 'vitest'
import { escapeHtml } from './html'

describe('escapeHtml', () => {
  it('escapes the characters that start markup or end an attribute', () => {
    expect(escapeHtml('<img src=x onerror=window.__xss=1>')).toBe('&lt;img src=x onerror=window.__xss=1&gt;')
    expect(escapeHtml(`a "b" & 'c'`)).toBe('a &quot;b&quot; &amp; &#39;c&#39;')
  })

  it('escapes an ampersand once, so an entity in a name stays visible as typed', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;')
  })

  it('leaves plain and Chinese text alone', () => {
    expect(escapeHtml('海军路社区 第3网格 42%')).toBe('海军路社区 第3网格 42%')
  })

  it('takes numbers and nothing', () => {
    expect(escapeHtml(7)).toBe('7')
    expect(escapeHtml(null)).toBe('')
    expect(escapeHtml(undefined)).toBe('')
  })
})
