# deeplabv3_r50-d8_4xb4-80k_ccp-fashion7-512x512 with small connected regions removed and labels voted
# within Felzenszwalb superpixels at test time.
_base_ = ['../../../configs/deeplabv3/deeplabv3_r50-d8_4xb4-80k_ccp-fashion7-512x512.py']
model = dict(
    type='PostProcessEncoderDecoder',
    postprocess=[dict(type='RemoveSmallRegions', min_area=0.001), dict(type='SuperpixelVote')],
)
