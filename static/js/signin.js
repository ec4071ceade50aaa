// Sign in: POST /auth/session sets the HttpOnly session cookie and answers
// {user, csrf_token}.

import { h, busy } from './dom.js';
import { post } from './api.js';
import { t } from './i18n.js';
import { field, errorBox, showErrors, clearErrors } from './forms.js';

let lastEmail = '';

/** render shows the sign-in form; ctx.adopt(user, csrf) takes over on success. */
export function render(root, ctx) {
  const box = errorBox('signin-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'signin-submit', 'data-testid': 'signin-submit', text: t('signin.submit') });
  const form = h('form', { class: 'card form-narrow', id: 'signin-form', novalidate: true },
    field({ name: 'email', id: 'email', type: 'email', label: t('signin.email'), autocomplete: 'username', required: true, value: lastEmail }),
    field({ name: 'password', id: 'password', type: 'password', label: t('signin.password'), autocomplete: 'current-password', required: true }),
    box,
    h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    lastEmail = email;
    clearErrors(form, box);
    if (!email || !password) {
      showErrors(form, box, { code: 'signin_missing' });
      (email ? form.elements.password : form.elements.email).focus();
      return;
    }
    busy(submit, async () => {
      try {
        const res = await post('/auth/session', { email, password });
        form.elements.password.value = '';
        await ctx.adopt(res.user, res.csrf_token);
      } catch (err) {
        const code = err.status === 401 ? 'signin_failed' : err.code;
        showErrors(form, box, { ...err, code, message: err.message });
        form.elements.password.focus();
      }
    });
  });

  root.append(
    h('div', { class: 'signin' },
      h('h1', { text: t('signin.title') }),
      h('p', { class: 'lead', text: t('signin.intro') }),
      ctx.expired ? h('p', { class: 'notice', role: 'status', text: t('signin.expired') }) : null,
      form));
  if (!lastEmail) form.elements.email.focus();
}
