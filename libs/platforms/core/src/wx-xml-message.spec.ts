import { parseSafeXml, xmlRoot } from './safe-xml';
import { wxXmlLink, wxXmlLocation, wxXmlMedia } from './wx-xml-message';

const x = (inner: string) => xmlRoot(parseSafeXml(`<xml>${inner}</xml>`));

describe('WeChat-family XML message parts', () => {
  it('reads media with its optional format and thumbnail, and nothing without a MediaId', () => {
    expect(wxXmlMedia(x('<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format>'))).toEqual({ mediaId: 'm1', format: 'amr' });
    expect(wxXmlMedia(x('<MediaId>m2</MediaId><ThumbMediaId>t2</ThumbMediaId>'))).toEqual({ mediaId: 'm2', thumbMediaId: 't2' });
    expect(wxXmlMedia(x('<PicUrl>https://x/y.png</PicUrl>'))).toBeUndefined();
  });

  it('reads a location, leaving out what is absent', () => {
    const loc = wxXmlLocation(x('<Location_X>23.13</Location_X><Location_Y>113.26</Location_Y><Label><![CDATA[广州塔]]></Label>'));
    expect(loc).toEqual({ latitude: '23.13', longitude: '113.26', label: '广州塔' });
    expect(Object.keys(loc)).not.toContain('scale');
    expect(wxXmlLocation(x('<Scale>15</Scale>'))).toEqual({ latitude: '', longitude: '', scale: '15' });
  });

  it('reads a link', () => {
    expect(wxXmlLink(x('<Title>t</Title><Url>https://e.com</Url><PicUrl>https://e.com/p.png</PicUrl>'))).toEqual({ title: 't', url: 'https://e.com', picUrl: 'https://e.com/p.png' });
    expect(wxXmlLink(x(''))).toEqual({});
  });
});
