// Entry of the phone apps (m.html): the grid-worker app and the resident portal.
import { createApp } from 'vue'
import 'vant/lib/index.css'
import './mobile.css'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import { onPendingStep, onUnauthorized } from '@/api/client'
import { announceStep, forget } from './session'
import { showToast } from 'vant'

const app = createApp(App)
app.use(i18n)
app.use(router)

onUnauthorized(() => {
  forget()
  const route = router.currentRoute.value
  if (route.name !== 'login') {
    showToast(i18n.global.t('common.sessionExpired'))
    void router.replace({ name: 'login', query: { redirect: route.fullPath } })
  }
})

// A 403 saying a step is pending (a password that expired mid-session, say)
// sends the user to the account page.
onPendingStep((step) => {
  announceStep(step)
  if (router.currentRoute.value.name !== 'account' && router.currentRoute.value.name !== 'login') void router.replace({ name: 'account' })
})

app.mount('#app')

// The service worker caches the app shell so that the app opens offline. It is
// left out under automation (browser tests) and in development.
if (import.meta.env.PROD && 'serviceWorker' in navigator && !navigator.webdriver) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/m-sw.js', { scope: '/m/' }).catch(() => {
      // not fatal: the app works online without it
    })
  })
}
