import { createI18n } from 'vue-i18n'
import { Locale } from 'vant'
import vantZh from 'vant/es/locale/lang/zh-CN'
import vantEn from 'vant/es/locale/lang/en-US'
import zhCN, { type MobileMessages } from './zh-CN'
import en from './en'

export type MobileLocale = 'zh-CN' | 'en'
const STORAGE_KEY = 'tongxin.m.locale'

function initialLocale(): MobileLocale {
  try {
    if (localStorage.getItem(STORAGE_KEY) === 'en') return 'en'
  } catch {
    // storage unavailable: Chinese
  }
  return 'zh-CN'
}

export const i18n = createI18n<[MobileMessages], MobileLocale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

function apply(locale: MobileLocale): void {
  document.documentElement.lang = locale
  if (locale === 'en') Locale.use('en-US', vantEn)
  else Locale.use('zh-CN', vantZh)
}

export function mobileLocale(): MobileLocale {
  return i18n.global.locale.value
}

/** Switches the language of the app and of Vant's own strings, and remembers it. */
export function setMobileLocale(locale: MobileLocale): void {
  i18n.global.locale.value = locale
  try {
    localStorage.setItem(STORAGE_KEY, locale)
  } catch {
    // ignore
  }
  apply(locale)
}

apply(i18n.global.locale.value)
