"""A small synthetic bilingual set with three clear topics (written for these tests)."""

DELIVERY = [
    "giao hàng nhanh lắm",
    "giao hang cham qua",
    "shipper giao trễ ba ngày",
    "giao hàng đúng hẹn, shipper thân thiện",
    "ship chậm, đợi cả tuần",
    "The delivery was late",
    "fast delivery, courier was polite",
    "delivery took two weeks",
    "the courier never called before delivery",
    "giao hàng tận nhà rất nhanh",
]
PRICE = [
    "giá hơi đắt so với chỗ khác",
    "gia re, hop ly",
    "giá cả phải chăng",
    "giá cao quá",
    "mã giảm giá không dùng được, giá vẫn đắt",
    "Prices are too high",
    "great price, cheaper than the mall",
    "the price went up again",
    "price is fair for the quality",
    "giá tốt hơn các shop khác",
]
SERVICE = [
    "nhân viên tư vấn nhiệt tình",
    "nv cskh ko tra loi tin nhan",
    "nhân viên thái độ cộc lốc",
    "nhân viên hỗ trợ rất nhanh",
    "tư vấn viên trả lời chậm",
    "Staff were rude on the phone",
    "customer support was very helpful",
    "the support agent never replied",
    "staff explained everything patiently",
    "nhân viên cửa hàng thân thiện",
]
