import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { navItems } from './nav'
import { useAuthStore } from './stores/auth'
import { useAreaStore } from './stores/area'
import { showError } from './utils/notify'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    titleKey?: string
    permission?: string
    /** Any one of these permissions is enough. */
    anyPermission?: string[]
    /** The menu entry to highlight when the page itself is not in the menu. */
    menu?: string
    /** The page works without a current area (and before the area tree is loaded). */
    noArea?: boolean
  }
}

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { public: true, titleKey: 'login.title' },
  },
  {
    path: '/',
    component: () => import('@/layouts/ConsoleLayout.vue'),
    children: [
      { path: '', redirect: { name: 'overview' } },
      ...navItems.map<RouteRecordRaw>((item) => ({
        path: item.path ?? item.name,
        name: item.name,
        component: item.component,
        meta: { titleKey: item.titleKey, permission: item.permission, anyPermission: item.anyPermission },
      })),
      {
        // Reached from the user menu; also where a pending step (forced
        // password change, required second factor) keeps the user.
        path: 'account',
        name: 'account',
        component: () => import('@/views/AccountView.vue'),
        meta: { titleKey: 'account.title', noArea: true },
      },
      {
        path: 'cases/:id(\\d+)',
        name: 'case',
        component: () => import('@/views/cases/CaseView.vue'),
        meta: {
          titleKey: 'cases.detailTitle',
          menu: 'cases',
          // Department handlers work on the cases handed to them without cases:read.
          anyPermission: ['cases:read', 'cases:handle', 'cases:dispatch'],
        },
      },
      ...(
        [
          ['registry/buildings/:id(\\d+)', 'registry-building', 'registry.buildingTitle', 'registry-buildings', () => import('@/views/registry/BuildingView.vue')],
          ['registry/houses/:id(\\d+)', 'registry-house', 'registry.houseTitle', 'registry-buildings', () => import('@/views/registry/HouseView.vue')],
          ['registry/households/:id(\\d+)', 'registry-household', 'registry.fileTitle', 'registry-buildings', () => import('@/views/registry/HouseholdFileView.vue')],
          ['registry/campaigns/:id(\\d+)', 'registry-campaign', 'nav.campaigns', 'registry-campaigns', () => import('@/views/registry/CampaignView.vue')],
          ['registry/persons/:id(\\d+)', 'registry-person', 'registry.personTitle', 'registry-persons', () => import('@/views/registry/PersonView.vue')],
        ] as const
      ).map<RouteRecordRaw>(([path, name, titleKey, menu, view]) => ({
        path,
        name,
        component: view,
        meta: { titleKey, menu, permission: 'registry:read' },
      })),
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/NotFoundView.vue'),
        meta: { titleKey: 'notFound.title' },
      },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
})

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (!auth.checked) {
    try {
      await auth.fetchMe()
    } catch (e) {
      showError(e)
    }
  }
  if (to.meta.public) {
    if (to.name === 'login' && auth.isLoggedIn) {
      const redirect = typeof to.query.redirect === 'string' ? to.query.redirect : '/'
      return redirect.startsWith('/') && !redirect.startsWith('//') ? redirect : '/'
    }
    return true
  }
  if (!auth.isLoggedIn) {
    return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  }
  // Until the step is done the server answers nothing else: the user can
  // only complete it (on the account page) or log out.
  if (auth.pendingStep) {
    if (to.name === 'account') return true
    const keep = to.name !== 'overview' && to.name !== 'not-found' ? to.fullPath : undefined
    return { name: 'account', query: keep ? { redirect: keep } : {} }
  }
  const areas = useAreaStore()
  if (!areas.loaded && auth.user) {
    try {
      await areas.init(auth.user.id)
    } catch (e) {
      showError(e)
    }
  }
  if (to.meta.permission && !auth.hasPermission(to.meta.permission)) {
    return { name: 'overview' }
  }
  if (to.meta.anyPermission && !to.meta.anyPermission.some((p) => auth.hasPermission(p))) {
    return { name: 'overview' }
  }
  return true
})
