# topformer_b_8xb2-80k_ccp-person-512x512 with small connected regions removed and labels voted within Felzenszwalb
# superpixels at test time.
_base_ = ['./topformer_b_8xb2-80k_ccp-person-512x512.py']
model = dict(
    type='PostProcessEncoderDecoder',
    postprocess=[dict(type='RemoveSmallRegions', min_area=0.001), dict(type='SuperpixelVote')],
)
