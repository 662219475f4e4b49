// The phone apps live under /m/ (the Go server answers m.html for any /m/…
// path): /m/app/… is the grid-worker app, /m/portal/… the resident portal.
import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'
import LoginView from './views/LoginView.vue'
import Shell from './views/Shell.vue'
import AppReport from './views/app/AppReport.vue'
import AppCases from './views/app/AppCases.vue'
import CaseDetailView from './views/CaseDetailView.vue'
import PortalReport from './views/portal/PortalReport.vue'
import PortalAppeals from './views/portal/PortalAppeals.vue'
import MeView from './views/MeView.vue'
import GridBuildings from './views/grid/GridBuildings.vue'
import GridBuilding from './views/grid/GridBuilding.vue'
import GridHouse from './views/grid/GridHouse.vue'
import GridNewCitizen from './views/grid/GridNewCitizen.vue'
import GridVisit from './views/grid/GridVisit.vue'
import UnsupportedView from './views/UnsupportedView.vue'
import AccountView from './views/AccountView.vue'
import { loadSession, pendingStep } from './session'
import { canUseApp, canUsePortal, landingFor, landingPath } from './lib/landing'
import { startAutoSync } from './appOutbox'
import { i18n } from './i18n'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    area?: 'app' | 'portal'
  }
}

// Every view is in the main bundle: a lazily loaded chunk could not be
// fetched while the grid worker is offline.
export const router = createRouter({
  history: createWebHistory('/m/'),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
    { path: '/', name: 'home', component: UnsupportedView },
    // Changing one's password; also where a pending step (a forced change) keeps the user.
    { path: '/account', name: 'account', component: AccountView },
    {
      path: '/app',
      component: Shell,
      props: { kind: 'app' },
      meta: { area: 'app' },
      children: [
        { path: '', redirect: '/app/report' },
        { path: 'report', name: 'app-report', component: AppReport },
        { path: 'cases', name: 'app-cases', component: AppCases },
        { path: 'grid', name: 'app-grid', component: GridBuildings },
        { path: 'me', name: 'app-me', component: MeView, props: { kind: 'app' } },
      ],
    },
    {
      path: '/app/cases/:id(\\d+)',
      name: 'app-case',
      component: CaseDetailView,
      props: (r) => ({ id: Number(r.params.id), portal: false }),
      meta: { area: 'app' },
    },
    {
      path: '/app/grid/buildings/:id(\\d+)',
      name: 'app-grid-building',
      component: GridBuilding,
      props: (r) => ({ id: Number(r.params.id) }),
      meta: { area: 'app' },
    },
    {
      path: '/app/grid/houses/:id(\\d+)',
      name: 'app-grid-house',
      component: GridHouse,
      props: (r) => ({ id: Number(r.params.id) }),
      meta: { area: 'app' },
    },
    {
      path: '/app/grid/houses/:id(\\d+)/visit/:campaign(\\d+)',
      name: 'app-grid-visit',
      component: GridVisit,
      props: (r) => ({ houseId: Number(r.params.id), campaignId: Number(r.params.campaign) }),
      meta: { area: 'app' },
    },
    {
      path: '/app/grid/households/:id(\\d+)/new-citizen',
      name: 'app-grid-new-citizen',
      component: GridNewCitizen,
      props: (r) => ({ householdId: Number(r.params.id) }),
      meta: { area: 'app' },
    },
    {
      path: '/portal',
      component: Shell,
      props: { kind: 'portal' },
      meta: { area: 'portal' },
      children: [
        { path: '', redirect: '/portal/report' },
        { path: 'report', name: 'portal-report', component: PortalReport },
        { path: 'appeals', name: 'portal-appeals', component: PortalAppeals },
        { path: 'me', name: 'portal-me', component: MeView, props: { kind: 'portal' } },
      ],
    },
    {
      path: '/portal/appeals/:id(\\d+)',
      name: 'portal-appeal',
      component: CaseDetailView,
      props: (r) => ({ id: Number(r.params.id), portal: true }),
      meta: { area: 'portal' },
    },
    { path: '/unsupported', name: 'unsupported', component: UnsupportedView },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
})

function loginRedirect(to: RouteLocationNormalized) {
  return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
}

router.beforeEach(async (to) => {
  const user = await loadSession()
  if (to.meta.public) return user && to.name === 'login' ? landingPath(landingFor(user)) : true
  if (!user) return loginRedirect(to)
  // Until the step is done the server answers nothing else: the user can
  // only complete it or log out.
  if (pendingStep()) return to.name === 'account' ? true : { name: 'account' }
  if (to.name === 'account') return true
  const home = landingPath(landingFor(user))
  if (to.name === 'home') return home
  if (to.meta.area === 'app' && !canUseApp(user)) return home
  if (to.meta.area === 'portal' && !canUsePortal(user)) return home
  return true
})

router.afterEach((to) => {
  const t = i18n.global.t
  document.title = to.meta.area === 'portal' ? `${t('app.short')} · ${t('app.portal')}` : `${t('app.short')} · ${t('app.field')}`
  if (to.meta.area === 'app') startAutoSync()
})
