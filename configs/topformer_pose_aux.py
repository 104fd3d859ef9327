# TopFormer-B + Dress Code landmark and skeleton auxiliary heads (18-class parsing; study-1 groups and
# landmark PCK reported). Same as configs/ablations/dresscode_aux/landmarks_skeleton.py.
#
#   python tools/train.py configs/topformer_pose_aux.py
#   bash tools/dist_train.sh configs/topformer_pose_aux.py 8
#
# Fine-tunes from the official ImageNet checkpoint of TopFormer-B at checkpoints/topformer-B-224-75.3.pth
# (--cfg-options model.backbone.init_cfg.checkpoint=PATH to use another path; model.backbone.init_cfg=None
# trains from scratch).
_base_ = ['ablations/dresscode_aux/landmarks_skeleton.py']
