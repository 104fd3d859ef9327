# CCP with the clothing4 label mode (see mmext/datasets/clothing_meta.py), from the tools/dataset_converters/ccp.py
# tree; the same pipelines as ccp_person.py.
_base_ = ['./ccp_person.py']
label_mode = 'clothing4'
train_dataloader = dict(dataset=dict(label_mode=label_mode))
val_dataloader = dict(dataset=dict(label_mode=label_mode))
test_dataloader = val_dataloader
