import { createApp } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus, { ElMessage } from 'element-plus'
import 'element-plus/dist/index.css'
import './styles/main.css'

import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import { onPendingStep, onUnauthorized } from './api'
import { useAuthStore } from './stores/auth'
import { useAreaStore } from './stores/area'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(ElementPlus)
app.use(router)

// Any 401 (expired session, logged out elsewhere) sends the user to the login page.
onUnauthorized(() => {
  const auth = useAuthStore(pinia)
  const wasLoggedIn = auth.isLoggedIn
  auth.clear()
  useAreaStore(pinia).reset()
  const route = router.currentRoute.value
  if (route.name !== 'login') {
    if (wasLoggedIn) ElMessage({ type: 'warning', message: i18n.global.t('common.sessionExpired'), grouping: true })
    void router.replace({ name: 'login', query: route.fullPath !== '/' ? { redirect: route.fullPath } : {} })
  }
})

// A 403 saying a step is pending (a forced password change, a required second
// factor) sends the user to the account page, where the step is completed.
onPendingStep((step) => {
  useAuthStore(pinia).announceStep(step)
  const route = router.currentRoute.value
  if (route.name !== 'account' && route.name !== 'login') void router.replace({ name: 'account' })
})

app.mount('#app')
