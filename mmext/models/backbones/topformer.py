# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""TopFormer: Token Pyramid Transformer for mobile semantic segmentation (Zhang et al., CVPR 2022).

Pipeline: a Token Pyramid Module (MobileNetV2-style inverted residuals) produces tokens at several
scales -> every selected scale is average-pooled to 1/64 of the input and concatenated -> a stack of
light transformer blocks extracts global semantics -> Semantic Injection Modules (SIM) inject the
global semantics back into the local tokens of the decoded scales (1/8, 1/16, 1/32).

Submodule names (``tpm``, ``trans``, ``SIM``, ``c``/``bn``) follow the official implementation so that
its ADE20K and ImageNet checkpoints load with ``strict=True`` and through ``init_cfg=dict(type='Pretrained',
checkpoint=...)``; see ``tools/model_converters/topformer2mmext.py`` for checkpoint clean-up.
"""

import copy
import math
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from .pretrained_stem import PretrainedStemMixin

# Each layer of the token pyramid: (kernel size, expand ratio, output channels, stride).
# fmt: off
ARCH_SETTINGS: Dict[str, dict] = {
    'tiny': dict(
        layer_cfgs=[[3, 1, 16, 1], [3, 4, 16, 2], [3, 3, 16, 1], [5, 3, 32, 2], [5, 3, 32, 1],
                    [3, 3, 64, 2], [3, 3, 64, 1], [5, 6, 96, 2], [5, 6, 96, 1]],
        channels=[16, 32, 64, 96],
        out_channels=[None, 128, 128, 128],
        embed_out_indices=[2, 4, 6, 8],
        num_heads=4),
    'small': dict(
        layer_cfgs=[[3, 1, 16, 1], [3, 4, 24, 2], [3, 3, 24, 1], [5, 3, 48, 2], [5, 3, 48, 1],
                    [3, 3, 96, 2], [3, 3, 96, 1], [5, 6, 128, 2], [5, 6, 128, 1], [3, 6, 128, 1]],
        channels=[24, 48, 96, 128],
        out_channels=[None, 192, 192, 192],
        embed_out_indices=[2, 4, 6, 9],
        num_heads=6),
    'base': dict(
        layer_cfgs=[[3, 1, 16, 1], [3, 4, 32, 2], [3, 3, 32, 1], [5, 3, 64, 2], [5, 3, 64, 1],
                    [3, 3, 128, 2], [3, 3, 128, 1], [5, 6, 160, 2], [5, 6, 160, 1], [3, 6, 160, 1]],
        channels=[32, 64, 128, 160],
        out_channels=[None, 256, 256, 256],
        embed_out_indices=[2, 4, 6, 9],
        num_heads=8),
}
# fmt: on


class ConvBN(nn.Sequential):
    """Bias-free convolution followed by a norm layer (children ``c`` and ``bn``)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 1,
        stride: int = 1,
        padding: int = 0,
        groups: int = 1,
        norm_cfg: dict = dict(type='BN'),
        bn_weight_init: float = 1.0,
    ):
        super().__init__()
        self.add_module(
            'c', nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, groups=groups, bias=False)
        )
        bn = build_norm_layer(norm_cfg, out_channels)[1]
        nn.init.constant_(bn.weight, bn_weight_init)
        nn.init.constant_(bn.bias, 0)
        self.add_module('bn', bn)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand (skipped for ratio 1) -> depthwise kxk -> 1x1 project."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int,
        expand_ratio: int,
        norm_cfg: dict,
        act_layer: type,
    ):
        super().__init__()
        hidden = int(round(in_channels * expand_ratio))
        self.use_residual = stride == 1 and in_channels == out_channels
        layers: List[nn.Module] = []
        if expand_ratio != 1:
            layers += [ConvBN(in_channels, hidden, norm_cfg=norm_cfg), act_layer()]
        layers += [
            ConvBN(hidden, hidden, kernel_size, stride, kernel_size // 2, groups=hidden, norm_cfg=norm_cfg),
            act_layer(),
            ConvBN(hidden, out_channels, norm_cfg=norm_cfg),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_residual else self.conv(x)


class TokenPyramidModule(nn.Module):
    """Stem + inverted residual layers ``layer1..layerN``; returns the outputs of ``out_indices``."""

    def __init__(
        self,
        layer_cfgs: Sequence[Sequence[int]],
        out_indices: Sequence[int],
        in_channels: int,
        stem_channels: int,
        norm_cfg: dict,
        act_layer: type,
    ):
        super().__init__()
        self.out_indices = list(out_indices)
        self.stem = nn.Sequential(ConvBN(in_channels, stem_channels, 3, 2, 1, norm_cfg=norm_cfg), act_layer())
        self.layer_names = []
        channels = stem_channels
        for i, (kernel_size, expand_ratio, out_channels, stride) in enumerate(layer_cfgs):
            name = f'layer{i + 1}'
            self.add_module(
                name, InvertedResidual(channels, out_channels, kernel_size, stride, expand_ratio, norm_cfg, act_layer)
            )
            self.layer_names.append(name)
            channels = out_channels

    def forward(self, x: Tensor) -> List[Tensor]:
        x = self.stem(x)
        outs = []
        for i, name in enumerate(self.layer_names):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return outs


class Attention(nn.Module):
    """Multi-head self-attention over a feature map, with conv+BN projections.

    As in the official model, the attention logits are not scaled by 1/sqrt(key_dim): the BatchNorm of
    the query/key projections controls their range.
    """

    def __init__(self, dim: int, key_dim: int, num_heads: int, attn_ratio: float, norm_cfg: dict, act_layer: type):
        super().__init__()
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = int(attn_ratio * key_dim)
        self.to_q = ConvBN(dim, key_dim * num_heads, norm_cfg=norm_cfg)
        self.to_k = ConvBN(dim, key_dim * num_heads, norm_cfg=norm_cfg)
        self.to_v = ConvBN(dim, self.value_dim * num_heads, norm_cfg=norm_cfg)
        # Zero-initialised BN makes every block start as the identity.
        self.proj = nn.Sequential(
            act_layer(), ConvBN(self.value_dim * num_heads, dim, norm_cfg=norm_cfg, bn_weight_init=0.0)
        )

    def forward(self, x: Tensor) -> Tensor:
        batch, _, height, width = x.shape
        tokens = height * width
        q = self.to_q(x).reshape(batch, self.num_heads, self.key_dim, tokens).transpose(2, 3)
        k = self.to_k(x).reshape(batch, self.num_heads, self.key_dim, tokens)
        v = self.to_v(x).reshape(batch, self.num_heads, self.value_dim, tokens).transpose(2, 3)
        attn = torch.matmul(q, k).softmax(dim=-1)
        out = torch.matmul(attn, v).transpose(2, 3).reshape(batch, -1, height, width)
        return self.proj(out)


class Mlp(nn.Module):
    """1x1 conv+BN -> depthwise 3x3 conv -> activation -> 1x1 conv+BN."""

    def __init__(self, dim: int, hidden_dim: int, norm_cfg: dict, act_layer: type, drop: float = 0.0):
        super().__init__()
        self.fc1 = ConvBN(dim, hidden_dim, norm_cfg=norm_cfg)
        self.dwconv = nn.Conv2d(hidden_dim, hidden_dim, 3, 1, 1, groups=hidden_dim)
        self.act = act_layer()
        self.fc2 = ConvBN(hidden_dim, dim, norm_cfg=norm_cfg)
        self.drop = nn.Dropout(drop)

    def forward(self, x: Tensor) -> Tensor:
        x = self.drop(self.act(self.dwconv(self.fc1(x))))
        return self.drop(self.fc2(x))


class Block(nn.Module):
    """Transformer block: x + attn(x), then x + mlp(x), each with stochastic depth."""

    def __init__(
        self,
        dim: int,
        key_dim: int,
        num_heads: int,
        mlp_ratio: float,
        attn_ratio: float,
        drop_path: float,
        norm_cfg: dict,
        act_layer: type,
    ):
        super().__init__()
        self.attn = Attention(dim, key_dim, num_heads, attn_ratio, norm_cfg, act_layer)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.mlp = Mlp(dim, int(dim * mlp_ratio), norm_cfg, act_layer)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.drop_path(self.attn(x))
        return x + self.drop_path(self.mlp(x))


class BasicLayer(nn.Module):
    """A stack of transformer blocks (child ``transformer_blocks``)."""

    def __init__(self, depth: int, dim: int, drop_path_rates: Sequence[float], **block_kwargs):
        super().__init__()
        self.transformer_blocks = nn.ModuleList(
            [Block(dim, drop_path=drop_path_rates[i], **block_kwargs) for i in range(depth)]
        )

    def forward(self, x: Tensor) -> Tensor:
        for block in self.transformer_blocks:
            x = block(x)
        return x


def pyramid_pool(inputs: Sequence[Tensor], stride: int) -> Tensor:
    """Average-pool every scale to the last scale's size divided by ``stride`` and concatenate."""
    height, width = inputs[-1].shape[-2:]
    size = ((height - 1) // stride + 1, (width - 1) // stride + 1)
    if torch.onnx.is_in_onnx_export():
        # ONNX has no adaptive pooling to a run-time size: pool each scale with the fixed kernel that gives
        # ``size`` at the traced input. Equal to adaptive pooling whenever the sides divide evenly, i.e. for
        # every input whose H and W are multiples of 32 * stride (what a dynamic-shape export accepts).
        out_h, out_w = int(size[0]), int(size[1])
        kernels = [(int(x.shape[-2]) // out_h, int(x.shape[-1]) // out_w) for x in inputs]
        return torch.cat([F.avg_pool2d(x, k, k) for x, k in zip(inputs, kernels)], dim=1)
    return torch.cat([F.adaptive_avg_pool2d(x, size) for x in inputs], dim=1)


def hard_sigmoid(x: Tensor) -> Tensor:
    # relu6 in place on the fresh sum: one tensor fewer per call (the official h_sigmoid does the same)
    return F.relu6(x + 3.0, inplace=True) / 6.0


class SemanticInjection(nn.Module):
    """SIM: out = BN(1x1(local)) * up(hard_sigmoid(BN(1x1(global)))) + up(BN(1x1(global)))."""

    def __init__(self, in_channels: int, out_channels: int, norm_cfg: dict):
        super().__init__()
        conv_bn = dict(kernel_size=1, norm_cfg=norm_cfg, act_cfg=None)
        self.local_embedding = ConvModule(in_channels, out_channels, **conv_bn)
        self.global_embedding = ConvModule(in_channels, out_channels, **conv_bn)
        self.global_act = ConvModule(in_channels, out_channels, **conv_bn)

    def forward(self, local_tokens: Tensor, global_semantics: Tensor) -> Tensor:
        size = local_tokens.shape[-2:]
        gate = F.interpolate(
            hard_sigmoid(self.global_act(global_semantics)), size=size, mode='bilinear', align_corners=False
        )
        global_feat = F.interpolate(
            self.global_embedding(global_semantics), size=size, mode='bilinear', align_corners=False
        )
        return self.local_embedding(local_tokens) * gate + global_feat


@MODELS.register_module()
class TopFormer(PretrainedStemMixin, BaseModule):
    """TopFormer backbone.

    Args:
        arch: 'tiny', 'small', 'base', or a dict with the keys of :data:`ARCH_SETTINGS` entries
            (``layer_cfgs``, ``channels``, ``out_channels``, ``embed_out_indices``, ``num_heads``)
            for a custom size.
        in_channels: input channels (3 for RGB; more with pose / depth channels).
        extra_in_channels_init: how a 3-channel checkpoint fills the stem weights of the extra input
            channels when ``in_channels > 3`` (any loading path): 'zeros' (the default; the model then
            computes exactly what the RGB model computes) or 'rgb_mean'. See
            :func:`mmext.models.utils.expand_input_conv_weight`.
        stem_channels: channels of the stride-2 stem convolution.
        decode_out_indices: which token scales get a SIM and are returned (1/8, 1/16, 1/32 by default).
        depth: number of transformer blocks.
        key_dim: per-head query/key size.
        attn_ratio: value size / key size.
        mlp_ratio: hidden size / dim in the transformer MLPs.
        c2t_stride: extra pooling stride from the last token scale to the transformer's grid.
        drop_path_rate: stochastic depth, increasing linearly over the blocks.
        norm_cfg: norm layer config.
        tpm_act_layer: activation of the token pyramid (ReLU in the official model).
        act_layer: activation of the transformer blocks (ReLU6 in the official model).
        init_cfg: e.g. ``dict(type='Pretrained', checkpoint='topformer-B-224-75.3.pth')``; an ADE20K
            segmentor checkpoint works as well (its ``backbone.`` prefix is detected).

    Forward returns one feature map per ``decode_out_indices`` entry, each with ``out_channels[i]``
    channels.
    """

    stem_weight_keys = ('tpm.stem.0.c.weight',)

    def __init__(
        self,
        arch: Union[str, dict] = 'base',
        in_channels: int = 3,
        extra_in_channels_init: str = 'zeros',
        stem_channels: int = 16,
        decode_out_indices: Sequence[int] = (1, 2, 3),
        depth: int = 4,
        key_dim: int = 16,
        attn_ratio: float = 2.0,
        mlp_ratio: float = 2.0,
        c2t_stride: int = 2,
        drop_path_rate: float = 0.1,
        norm_cfg: dict = dict(type='BN', requires_grad=True),
        tpm_act_layer: type = nn.ReLU,
        act_layer: type = nn.ReLU6,
        init_cfg: Optional[dict] = None,
    ):
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, str):
            if arch not in ARCH_SETTINGS:
                raise ValueError(f'Unknown TopFormer arch {arch!r}; choose from {sorted(ARCH_SETTINGS)} or pass a dict')
            arch = ARCH_SETTINGS[arch]
        else:
            missing = set(ARCH_SETTINGS['tiny']) - set(arch)
            if missing:
                raise ValueError(f'Custom TopFormer arch is missing keys {sorted(missing)}')
        self._init_input_channels(in_channels, extra_in_channels_init)
        arch = copy.deepcopy(arch)
        self.arch_settings = arch
        self.channels = list(arch['channels'])
        self.decode_out_indices = list(decode_out_indices)
        self.c2t_stride = c2t_stride
        if len(arch['embed_out_indices']) != len(self.channels):
            raise ValueError('embed_out_indices and channels must have the same length')
        for i, layer_index in enumerate(arch['embed_out_indices']):
            if arch['layer_cfgs'][layer_index][2] != self.channels[i]:
                raise ValueError(
                    f'channels[{i}]={self.channels[i]} does not match the output channels of '
                    f'token pyramid layer {layer_index}'
                )

        self.tpm = TokenPyramidModule(
            arch['layer_cfgs'], arch['embed_out_indices'], in_channels, stem_channels, norm_cfg, tpm_act_layer
        )
        drop_path_rates = [x.item() for x in torch.linspace(0, drop_path_rate, depth)]
        self.trans = BasicLayer(
            depth,
            sum(self.channels),
            drop_path_rates,
            key_dim=key_dim,
            num_heads=arch['num_heads'],
            mlp_ratio=mlp_ratio,
            attn_ratio=attn_ratio,
            norm_cfg=norm_cfg,
            act_layer=act_layer,
        )
        self.SIM = nn.ModuleList(
            [
                SemanticInjection(self.channels[i], arch['out_channels'][i], norm_cfg)
                if i in self.decode_out_indices
                else nn.Identity()
                for i in range(len(self.channels))
            ]
        )

    def init_weights(self) -> None:
        if self.init_cfg is not None:
            super().init_weights()  # a Pretrained checkpoint (PretrainedStemMixin) or mmengine's init_cfg
            return
        # From scratch, as the official model: He-normal (fan-out) convolutions, unit BN.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
                nn.init.normal_(m.weight, 0, math.sqrt(2.0 / fan_out))
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.modules.batchnorm._BatchNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        self._is_init = True

    def forward(self, x: Tensor) -> List[Tensor]:
        local_tokens = self.tpm(x)
        global_tokens = self.trans(pyramid_pool(local_tokens, self.c2t_stride))
        global_semantics = global_tokens.split(self.channels, dim=1)
        return [self.SIM[i](local_tokens[i], global_semantics[i]) for i in self.decode_out_indices]
