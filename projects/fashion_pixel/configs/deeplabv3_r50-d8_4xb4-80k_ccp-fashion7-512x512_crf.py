# deeplabv3_r50-d8_4xb4-80k_ccp-fashion7-512x512 with a dense CRF refining the logits at test time
# (PostProcessEncoderDecoder: the checkpoint of the plain model loads unchanged).
# Compare with tools/analysis_tools/postprocess_effect.py.
_base_ = ['../../../configs/deeplabv3/deeplabv3_r50-d8_4xb4-80k_ccp-fashion7-512x512.py']
model = dict(type='PostProcessEncoderDecoder', postprocess=[dict(type='DenseCRF')])
