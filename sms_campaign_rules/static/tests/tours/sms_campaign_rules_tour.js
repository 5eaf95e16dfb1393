import { registry } from "@web/core/registry";

function statButton(label, count) {
    return {
        content: `${count} message(s) ${label}`,
        trigger: `button[name=action_view_messages]:contains(${label}) .o_stat_value:contains(${count})`,
    };
}

registry.category("web_tour.tours").add("sms_campaign_rules_direct_campaign", {
    url: "/odoo/sms-campaigns",
    steps: () => [
        { content: "Create a campaign", trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_field_widget[name=name] input", run: "edit Tour campaign" },
        { trigger: ".o_field_widget[name=rule_id] input", run: "edit Tour contacts" },
        { trigger: ".o-autocomplete--dropdown-item:contains(Tour contacts)", run: "click" },
        {
            content: "The rule's parameters are listed for the message",
            trigger: ".o_field_widget[name=available_parameters]:contains({name})",
        },
        { trigger: ".o_field_widget[name=message] textarea", run: "edit Hello {name}, see you soon!" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
        { content: "Preview", trigger: "button[name=action_preview]", run: "click" },
        {
            content: "The preview shows the recipients and their messages",
            trigger: ".o_notification:contains(1 recipients):contains(Hello Tour Contact, see you soon!)",
        },
        { content: "Activate", trigger: "button[name=action_activate]", run: "click" },
        { trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Active)" },
        statButton("Pending", 1),
        statButton("Delivered", 0),
    ],
});

registry.category("web_tour.tours").add("sms_campaign_rules_campaign_delivered", {
    url: "/odoo/sms-campaigns",
    steps: () => [
        { trigger: ".o_data_row:contains(Tour campaign) td[name=name]", run: "click" },
        statButton("Pending", 0),
        statButton("Delivered", 1),
        { content: "Open the delivered messages", trigger: "button[name=action_view_messages]:contains(Delivered)", run: "click" },
        { trigger: ".o_data_row:contains(+32470000700):contains(Hello Tour Contact, see you soon!):contains(Delivered)" },
    ],
});
