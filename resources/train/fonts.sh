# The fonts of the default model's training and evaluation, from Debian's fonts-noto-cjk,
# fonts-wqy-zenhei, fonts-wqy-microhei, fonts-arphic-uming and fonts-arphic-gbsn00lp, as
# font: data specs. Sourced by make-default-model and make-device-kit (one list).
# shellcheck shell=bash disable=SC2034
NOTO=/usr/share/fonts/opentype/noto
TRAIN_FONTS=(
  "font:$NOTO/NotoSansCJK-Regular.ttc?index=2"     # Noto Sans CJK SC Regular   (SIL OFL 1.1)
  "font:$NOTO/NotoSansCJK-Bold.ttc?index=2"        # Noto Sans CJK SC Bold      (SIL OFL 1.1)
  "font:$NOTO/NotoSerifCJK-Regular.ttc?index=2"    # Noto Serif CJK SC Regular  (SIL OFL 1.1)
  "font:$NOTO/NotoSerifCJK-Bold.ttc?index=2"       # Noto Serif CJK SC Bold     (SIL OFL 1.1)
  "font:/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc?index=0"          # WenQuanYi Zen Hei (GPL-2 + font exception)
  "font:/usr/share/fonts/truetype/arphic/uming.ttc?index=0"            # AR PL UMing CN (Arphic PL)
  "font:/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"        # AR PL SungtiL GB (Arphic PL)
)
# Regional glyph forms (same OFL Noto CJK files, other faces): a 旅 or 骨 written the Japanese
# or Traditional way is still that character
REGIONAL_FONTS=(
  "font:$NOTO/NotoSansCJK-Regular.ttc?index=0"     # Noto Sans CJK JP Regular   (SIL OFL 1.1)
  "font:$NOTO/NotoSansCJK-Regular.ttc?index=3"     # Noto Sans CJK TC Regular   (SIL OFL 1.1)
  "font:$NOTO/NotoSansCJK-Regular.ttc?index=1"     # Noto Sans CJK KR Regular   (SIL OFL 1.1)
  "font:$NOTO/NotoSerifCJK-Regular.ttc?index=0"    # Noto Serif CJK JP Regular  (SIL OFL 1.1)
  "font:$NOTO/NotoSerifCJK-Regular.ttc?index=3"    # Noto Serif CJK TC Regular  (SIL OFL 1.1)
)
# Kept out of training, to measure on:
HELDOUT_FONT="font:/usr/share/fonts/truetype/wqy/wqy-microhei.ttc?index=0"  # WenQuanYi Micro Hei (Apache-2.0 / GPL-3)
