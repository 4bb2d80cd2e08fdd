import { emitKeypressEvents } from 'node:readline';

const ENTER_ALT = '\x1b[?1049h';
const LEAVE_ALT = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const CLEAR = '\x1b[2J';
const CLEAR_LINE_END = '\x1b[K';

/**
 * The full-screen terminal in plain ANSI: the alternate screen, a hidden cursor and raw keys while
 * it is on, and only the lines that changed rewritten. Whatever happens (quit, a signal, a crash),
 * restore() puts the terminal back as it was, once.
 */
export class Screen {
  private previous: string[] = [];
  private active = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly input: NodeJS.ReadStream,
  ) {}

  get size(): { columns: number; rows: number } {
    return { columns: this.out.columns || 80, rows: this.out.rows || 24 };
  }

  enter(): void {
    this.active = true;
    emitKeypressEvents(this.input);
    if (this.input.isTTY) this.input.setRawMode(true);
    this.input.resume();
    this.out.write(`${ENTER_ALT}${HIDE_CURSOR}${CLEAR}`);
    this.previous = [];
  }

  draw(lines: string[]): void {
    if (!this.active) return;
    let chunk = '';
    lines.forEach((line, i) => {
      if (this.previous[i] !== line) chunk += `\x1b[${i + 1};1H${line}${CLEAR_LINE_END}`;
    });
    for (let i = lines.length; i < this.previous.length; i++) chunk += `\x1b[${i + 1};1H${CLEAR_LINE_END}`;
    this.previous = lines;
    if (chunk !== '') this.out.write(chunk);
  }

  /** After a resize every line is drawn again. */
  invalidate(): void {
    this.previous = [];
    if (this.active) this.out.write(CLEAR);
  }

  restore(): void {
    if (!this.active) return;
    this.active = false;
    if (this.input.isTTY) this.input.setRawMode(false);
    this.input.pause();
    this.out.write(`${SHOW_CURSOR}${LEAVE_ALT}`);
  }
}
