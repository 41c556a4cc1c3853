/** The login and register forms. `onAuth(answer)` gets {user, token, expires_at}. */
import { apiErrorText } from '../format.js';
import { setText } from './dom.js';

export class LoginView {
  constructor({ api, onAuth, doc = document }) {
    Object.assign(this, { api, onAuth });
    this.view = doc.getElementById('login-view');
    this.error = doc.getElementById('auth-error');
    this.loginForm = doc.getElementById('login-form');
    this.registerForm = doc.getElementById('register-form');
    doc.getElementById('show-register').addEventListener('click', () => this.#toggle(true));
    doc.getElementById('show-login').addEventListener('click', () => this.#toggle(false));
    this.loginForm.addEventListener('submit', (event) => this.#submit(event, this.loginForm, () => this.#login()));
    this.registerForm.addEventListener('submit', (event) => this.#submit(event, this.registerForm, () => this.#register()));
  }

  /** Shows the view, with `message` (why we are here) if any. */
  show(message = '') {
    setText(this.error, message);
    this.view.hidden = false;
    this.loginForm.elements.password.value = '';
    this.registerForm.elements.password.value = '';
    (this.registerForm.hidden ? this.loginForm : this.registerForm).querySelector('input').focus();
  }

  hide() {
    this.view.hidden = true;
    setText(this.error, '');
  }

  #toggle(register) {
    this.registerForm.hidden = !register;
    this.loginForm.hidden = register;
    setText(this.error, '');
    (register ? this.registerForm : this.loginForm).querySelector('input').focus();
  }

  async #submit(event, form, work) {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return;
    button.disabled = true;
    setText(this.error, '');
    try {
      const answer = await work();
      if (answer) this.onAuth(answer);
    } catch (error) {
      setText(this.error, this.#explain(error));
    } finally {
      button.disabled = false;
    }
  }

  #login() {
    const identity = this.loginForm.elements.username.value.trim();
    const password = this.loginForm.elements.password.value;
    if (!identity || !password) {
      setText(this.error, 'Enter your username (or email) and your password.');
      return null;
    }
    return this.api.login(identity, password);
  }

  #register() {
    const { username, email, password } = this.registerForm.elements;
    if (!username.value.trim() || !email.value.trim() || !password.value) {
      setText(this.error, 'Fill in a username, an email and a password.');
      return null;
    }
    return this.api.register(username.value.trim(), email.value.trim(), password.value);
  }

  #explain(error) {
    if (error.code === 'unauthorized') return 'Wrong username, email or password.';
    if (error.code === 'conflict') return 'That username or email is already registered.';
    if (error.code === 'rate_limited') return 'Too many attempts. Wait a minute and try again.';
    return apiErrorText(error);
  }
}
