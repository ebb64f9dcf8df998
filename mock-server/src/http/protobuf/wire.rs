//! The protocol-buffers wire format, reduced to what Kubernetes' gogo-proto2 encoding produces:
//! varints (wire type 0), 64-bit (1), length-delimited (2) and 32-bit (5) fields. Groups (3, 4)
//! never occur in Kubernetes messages and are rejected rather than skipped.

/// One field's payload as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WireValue<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1.
    Fixed64(u64),
    /// Wire type 2: strings, bytes, embedded messages, map entries.
    Len(&'a [u8]),
    /// Wire type 5.
    Fixed32(u32),
}

impl WireValue<'_> {
    /// The wire type number, for error messages.
    pub(crate) fn wire_type(&self) -> u8 {
        match self {
            WireValue::Varint(_) => 0,
            WireValue::Fixed64(_) => 1,
            WireValue::Len(_) => 2,
            WireValue::Fixed32(_) => 5,
        }
    }

    /// True when the value is what gogo emits for an unset non-pointer field (`""`, `0`, `false`,
    /// an empty embedded struct). Such values carry no information even when the field is unknown.
    pub(crate) fn is_default(&self) -> bool {
        match self {
            WireValue::Varint(v) | WireValue::Fixed64(v) => *v == 0,
            WireValue::Fixed32(v) => *v == 0,
            WireValue::Len(b) => b.is_empty(),
        }
    }
}

/// Why the bytes are not a well-formed protobuf message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WireError {
    /// The data ends inside a tag, varint, fixed-width value or length-delimited payload.
    Truncated,
    /// A varint longer than 10 bytes or wider than 64 bits.
    VarintOverflow,
    /// Field number 0 or above the protobuf maximum (2^29 - 1).
    BadFieldNumber,
    /// Wire types 3, 4 (groups), 6 and 7.
    BadWireType(u8),
}

impl WireError {
    pub(crate) fn reason(self) -> String {
        match self {
            WireError::Truncated => "data ends in the middle of a field".to_owned(),
            WireError::VarintOverflow => "varint longer than 64 bits".to_owned(),
            WireError::BadFieldNumber => "field number out of range".to_owned(),
            WireError::BadWireType(t) => format!("unsupported wire type {t}"),
        }
    }
}

/// Iterates over the `(field number, value)` pairs of one message. After the first error it
/// yields nothing more.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    fn byte(&mut self) -> Result<u8, WireError> {
        let (&b, rest) = self.buf.split_first().ok_or(WireError::Truncated)?;
        self.buf = rest;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let mut value = 0u64;
        for i in 0..10 {
            let b = self.byte()?;
            // The 10th byte may only contribute the 64th bit.
            if i == 9 && b > 1 {
                return Err(WireError::VarintOverflow);
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(WireError::VarintOverflow)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if n > self.buf.len() {
            return Err(WireError::Truncated);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn field(&mut self) -> Result<(u32, WireValue<'a>), WireError> {
        let tag = self.varint()?;
        let number = u32::try_from(tag >> 3).map_err(|_| WireError::BadFieldNumber)?;
        if number == 0 || number > (1 << 29) - 1 {
            return Err(WireError::BadFieldNumber);
        }
        let value = match (tag & 7) as u8 {
            0 => WireValue::Varint(self.varint()?),
            1 => {
                let b = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                WireValue::Fixed64(u64::from_le_bytes(a))
            }
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| WireError::Truncated)?;
                WireValue::Len(self.take(len)?)
            }
            5 => {
                let b = self.take(4)?;
                let mut a = [0u8; 4];
                a.copy_from_slice(b);
                WireValue::Fixed32(u32::from_le_bytes(a))
            }
            other => return Err(WireError::BadWireType(other)),
        };
        Ok((number, value))
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<(u32, WireValue<'a>), WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.is_empty() {
            return None;
        }
        let item = self.field();
        if item.is_err() {
            self.buf = &[];
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(buf: &[u8]) -> Result<Vec<(u32, WireValue<'_>)>, WireError> {
        Reader::new(buf).collect()
    }

    #[test]
    fn reads_each_wire_type() {
        // 1: varint 300 (ac 02), 2: "hi", 3: fixed64 1, 4: fixed32 2
        let buf = [
            0x08, 0xac, 0x02, 0x12, 0x02, b'h', b'i', 0x19, 1, 0, 0, 0, 0, 0, 0, 0, 0x25, 2, 0, 0,
            0,
        ];
        assert_eq!(
            all(&buf),
            Ok(vec![
                (1, WireValue::Varint(300)),
                (2, WireValue::Len(b"hi")),
                (3, WireValue::Fixed64(1)),
                (4, WireValue::Fixed32(2)),
            ])
        );
    }

    #[test]
    fn max_varint_is_accepted_and_longer_rejected() {
        let mut buf = vec![0x08];
        buf.extend([0xff; 9]);
        buf.push(0x01);
        assert_eq!(all(&buf), Ok(vec![(1, WireValue::Varint(u64::MAX))]));
        let mut buf = vec![0x08];
        buf.extend([0xff; 9]);
        buf.push(0x02);
        assert_eq!(all(&buf), Err(WireError::VarintOverflow));
        let mut buf = vec![0x08];
        buf.extend([0x80; 10]);
        buf.push(0x00);
        assert_eq!(all(&buf), Err(WireError::VarintOverflow));
    }

    #[test]
    fn rejects_truncation_groups_and_field_zero() {
        assert_eq!(all(&[0x12, 0x05, b'a']), Err(WireError::Truncated));
        assert_eq!(all(&[0x08]), Err(WireError::Truncated));
        assert_eq!(all(&[0x08, 0x80]), Err(WireError::Truncated));
        assert_eq!(all(&[0x19, 1, 2]), Err(WireError::Truncated));
        assert_eq!(all(&[0x0b]), Err(WireError::BadWireType(3)));
        assert_eq!(all(&[0x0c]), Err(WireError::BadWireType(4)));
        assert_eq!(all(&[0x0e]), Err(WireError::BadWireType(6)));
        assert_eq!(all(&[0x00, 0x00]), Err(WireError::BadFieldNumber));
        // A length that does not fit in the remaining data (u64::MAX).
        let mut buf = vec![0x12];
        buf.extend([0xff; 9]);
        buf.push(0x01);
        assert_eq!(all(&buf), Err(WireError::Truncated));
    }
}
