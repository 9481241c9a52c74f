// The octet-counted syslog framing (RFC 6587 3.4.1) of the demo's syslog stand-in
// (scripts/lib/siem-stand-ins.mjs): a frame's length counts bytes, not characters, and a stream may
// be cut anywhere, so every cut of a stream with multi-byte characters and a line break inside a
// message must give back the same messages; anything but a length then a space is refused.
import { expect } from 'chai';
import { connect } from 'node:net';
import { octetCountedFrames, startSyslogReceiver } from '../../scripts/lib/siem-stand-ins.mjs';
import { waitFor } from '../helpers/wait.ts';

const MESSAGES = [
  '<84>1 2026-01-15T09:00:00.000Z host apitrail - authn_login_fail - CEF:0|apitrail|apitrail|0.1.0|x|é → ü|6|a=b',
  '<83>1 - - apitrail - authz_fail - two\nlines, and 8 digits 12345678',
  '1',
];
const frame = (message: string): Buffer =>
  Buffer.concat([Buffer.from(`${Buffer.byteLength(message)} `), Buffer.from(message)]);
const STREAM = Buffer.concat(MESSAGES.map(frame));

function framesOf(...chunks: Buffer[]): string[] {
  const received: string[] = [];
  const frames = octetCountedFrames((message) => received.push(message));
  for (const chunk of chunks) frames.push(chunk);
  return received;
}

describe('octet-counted syslog framing (demo syslog stand-in)', () => {
  it('gives back every message whole, however the stream is cut into chunks', () => {
    expect(MESSAGES[0]!.length, 'the fixture has multi-byte characters').to.be.lessThan(
      Buffer.byteLength(MESSAGES[0]!),
    );
    expect(framesOf(STREAM)).to.deep.equal(MESSAGES);
    for (let cut = 1; cut < STREAM.length; cut++) {
      expect(framesOf(STREAM.subarray(0, cut), STREAM.subarray(cut)), `cut at byte ${cut}`).to.deep.equal(MESSAGES);
    }
    expect(framesOf(...[...STREAM].map((byte) => Buffer.from([byte]))), 'one byte at a time').to.deep.equal(MESSAGES);
  });

  it('waits for the rest of a frame, and for the rest of its length', () => {
    expect(framesOf(Buffer.from('12 <84>1 -'))).to.deep.equal([]);
    expect(framesOf(Buffer.from('1'))).to.deep.equal([]);
  });

  it('refuses what is not a length then a space: LF framing, a sign, a leading zero, an oversized length', () => {
    for (const stream of [
      '<84>1 - - - - - message\n',
      '-5 abcde',
      '+5 abcde',
      '05 abcde',
      '0 ',
      '99999999 x',
      '12345678',
      ' 5 abcde',
    ]) {
      expect(() => framesOf(Buffer.from(stream)), JSON.stringify(stream)).to.throw(/syslog frame/);
    }
  });

  it('the receiver keeps the messages of a good connection and closes a bad one, naming why', async () => {
    const receiver = await startSyslogReceiver();
    try {
      const send = (bytes: Buffer) =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(receiver.port, receiver.host, () => socket.end(bytes));
          socket.once('close', () => resolve());
          socket.once('error', reject);
        });
      // The collector's syslog exporter ends each message with a line break inside its frame.
      await send(Buffer.concat([STREAM, frame(`${MESSAGES[0]}\n`)]));
      await send(Buffer.from('<84>1 not octet-counted\n'));
      await waitFor('both connections handled', () =>
        receiver.messages().length === MESSAGES.length + 1 && receiver.errors().length === 1 ? true : undefined,
      );
      expect(receiver.messages()).to.deep.equal([...MESSAGES, MESSAGES[0]]);
      expect(receiver.errors()[0]).to.match(/not an octet-counted syslog frame: "<84>1 not/);
    } finally {
      await receiver.stop();
    }
  });
});
