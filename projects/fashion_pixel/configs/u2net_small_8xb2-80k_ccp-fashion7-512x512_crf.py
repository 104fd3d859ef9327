# u2net_small_8xb2-80k_ccp-fashion7-512x512 with a dense CRF refining the logits at test time
# (PostProcessEncoderDecoder: the checkpoint of the plain model loads unchanged).
# Compare with tools/analysis_tools/postprocess_effect.py.
_base_ = ['./u2net_small_8xb2-80k_ccp-fashion7-512x512.py']
model = dict(type='PostProcessEncoderDecoder', postprocess=[dict(type='DenseCRF')])
