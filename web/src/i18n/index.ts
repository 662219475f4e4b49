import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import elZhCn from 'element-plus/es/locale/lang/zh-cn'
import elEn from 'element-plus/es/locale/lang/en'
import zhCN, { type MessageSchema } from './zh-CN'
import en from './en'

export type AppLocale = 'zh-CN' | 'en'
export const LOCALES: AppLocale[] = ['zh-CN', 'en']
const STORAGE_KEY = 'tongxin.locale'

function initialLocale(): AppLocale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY)
    if (saved === 'zh-CN' || saved === 'en') return saved
  } catch {
    // storage unavailable: keep the default
  }
  return 'zh-CN'
}

export const i18n = createI18n<[MessageSchema], AppLocale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

function applyDocument(locale: AppLocale): void {
  document.documentElement.lang = locale
}

export function currentLocale(): AppLocale {
  return i18n.global.locale.value
}

/** Switches the UI language (and Element Plus's) and remembers the choice. */
export function setLocale(locale: AppLocale): void {
  i18n.global.locale.value = locale
  try {
    localStorage.setItem(STORAGE_KEY, locale)
  } catch {
    // ignore
  }
  applyDocument(locale)
}

/** Element Plus's own strings (pagination, date pickers, empty states …) follow the app language. */
export const elementLocale = computed(() => (i18n.global.locale.value === 'en' ? elEn : elZhCn))

applyDocument(i18n.global.locale.value)
