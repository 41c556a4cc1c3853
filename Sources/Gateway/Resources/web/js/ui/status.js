/**
 * The connection state in the top bar, and the notice line (the latest notice, until dismissed or
 * replaced). The notice line always keeps its height, so a notice never moves the page.
 */
import { setText } from './dom.js';

const LABELS = {
  connected: 'Connected: messages arrive live.',
  reconnecting: 'Reconnecting: messages you send are kept and go out when the connection is back.',
  offline: 'Offline: your browser has no network. Messages you send are kept.',
};

export class StatusBar {
  constructor(doc = document) {
    this.state = doc.getElementById('connection-state');
    this.bar = doc.getElementById('notice-bar');
    this.text = doc.getElementById('notice');
    this.dismiss = doc.getElementById('notice-dismiss');
    this.dismiss.addEventListener('click', () => this.clearNotice());
  }

  /** `state` is exactly 'connected', 'reconnecting' or 'offline'. */
  showState(state) {
    setText(this.state, state);
    this.state.dataset.state = state;
    this.state.title = LABELS[state] ?? '';
  }

  notice(text) {
    if (!text) return;
    setText(this.text, text);
    this.text.title = text;
    this.bar.classList.add('has-notice');
    this.dismiss.hidden = false;
  }

  clearNotice() {
    setText(this.text, '');
    this.text.title = '';
    this.bar.classList.remove('has-notice');
    this.dismiss.hidden = true;
  }
}
