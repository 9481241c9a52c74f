// The CEF parser the syslog end-to-end test judges the pipeline with: checked here against the CEF
// specification's own escaping examples, so a lenient parser cannot hide wrongly escaped output.
import { expect } from 'chai';
import { CEF_HEADER_LIMITS, parseCef } from '../helpers/cef.ts';

describe('CEF parser (test helper)', () => {
  it('unescapes `\\|` and `\\\\` in header fields', () => {
    const message = parseCef('CEF:0|security|threatmanager|1.0|100|detected a \\| in message|10|src=10.0.0.1');
    expect(message).to.include({ version: '0', vendor: 'security', name: 'detected a | in message', severity: '10' });
    expect(parseCef('CEF:0|security|threat\\\\manager|1.0|100|x|10|').product).to.equal('threat\\manager');
  });

  it('unescapes `\\=`, `\\\\` and line breaks in extension values, which may contain spaces', () => {
    const { extensions } = parseCef(
      'CEF:0|a|b|1|2|n|5|src=10.0.0.1 act=blocked a \\= dst=1.1.1.1 msg=line one\\nline two\\r cs1=c:\\\\temp',
    );
    expect(extensions).to.deep.equal({
      src: '10.0.0.1',
      act: 'blocked a =',
      dst: '1.1.1.1',
      msg: 'line one\nline two\r',
      cs1: 'c:\\temp',
    });
  });

  it('rejects what the specification does not allow', () => {
    expect(() => parseCef('CEF:0|a|b|1|2|n|5|msg=bad \\x escape')).to.throw(/invalid CEF escape/);
    expect(() => parseCef('CEF:0|a|b|1|2|n\\=|5|')).to.throw(/invalid CEF escape/);
    expect(() => parseCef('CEF:0|a|b|1|2|5|src=1.2.3.4')).to.throw(/7 unescaped/);
    expect(() => parseCef('CEF:0|a|b|1|2|n|5|src=1 src=2')).to.throw(/duplicate/);
    expect(() => parseCef('CEF:0|a|b|1|2|n|5|user=a=b')).to.throw(/invalid CEF extension key/);
  });

  it('rejects a header field over its maximum length, counting characters as sent', () => {
    const header = (field: number, value: string): string => {
      const fields = ['a', 'b', '1', '2', 'n'];
      fields[field] = value;
      return `CEF:0|${fields.join('|')}|5|`;
    };
    Object.values(CEF_HEADER_LIMITS).forEach((limit, field) => {
      expect(() => parseCef(header(field, 'é'.repeat(limit)))).to.not.throw();
      expect(() => parseCef(header(field, 'é'.repeat(limit + 1)))).to.throw(/over/);
      expect(() => parseCef(header(field, `${'x'.repeat(limit - 1)}\\|`))).to.throw(/over/);
    });
  });
});
